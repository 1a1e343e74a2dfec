// Parsing numbers from user text (command lines, CSV fields) strictly: the whole text must be one
// finite number.
#ifndef SHAMISA_PARSE_H_
#define SHAMISA_PARSE_H_

#include <optional>
#include <string>

namespace shamisa {

// "2.5" -> 2.5; "", "2.5x", "abc", "nan", "inf" -> nullopt.
std::optional<double> parse_finite_double(const std::string& text);

}  // namespace shamisa

#endif  // SHAMISA_PARSE_H_
