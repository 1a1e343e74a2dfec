// Where the models that ship with shamisa are found when no --model is given.
#ifndef SHAMISA_MODEL_PATHS_H_
#define SHAMISA_MODEL_PATHS_H_

#include <string>

namespace shamisa {

// The first existing file named `file_name` in, in order: $SHAMISA_MODEL_DIR; models/ beside the
// folder of the running executable (build/shamisa → models/); models/ beside the executable; the
// source tree's models/ (compiled in). Model error listing the places searched when none has it.
std::string default_model_file(const std::string& file_name);

}  // namespace shamisa

#endif  // SHAMISA_MODEL_PATHS_H_
