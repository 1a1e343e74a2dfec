// Expanding command-line paths into the list of image files to process.
#ifndef SHAMISA_IMAGE_PATHS_H_
#define SHAMISA_IMAGE_PATHS_H_

#include <string>
#include <vector>

namespace shamisa {

// True for the extensions shamisa reads (.jpg .jpeg .png .bmp .tif .tiff .webp .jp2 .j2k),
// case-insensitively.
bool has_image_extension(const std::string& path);

// Files are kept as given (whatever their extension, so that a bad file is reported rather than
// skipped); a folder contributes its image files in sorted order, and those of its sub-folders
// too when recursive. A path that does not exist but holds a wildcard (* ? [) is a glob pattern
// and gives its matches, sorted (matched folders expanded as above); one that matches nothing, or
// any other path that does not exist, is kept, so the caller reports it.
std::vector<std::string> expand_image_paths(const std::vector<std::string>& paths, bool recursive);

}  // namespace shamisa

#endif  // SHAMISA_IMAGE_PATHS_H_
