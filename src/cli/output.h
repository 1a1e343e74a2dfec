// Writing machine-readable results (CSV and JSON) to stdout.
#ifndef SHAMISA_CLI_OUTPUT_H_
#define SHAMISA_CLI_OUTPUT_H_

#include <string>
#include <vector>

namespace shamisa::cli {

// RFC 4180 quoting: fields with a comma, quote or line break are quoted, quotes doubled.
std::string csv_field(const std::string& value);
std::string csv_row(const std::vector<std::string>& fields);

enum class OutputFormat { kCsv, kJson };
// Parses "csv" or "json"; usage error otherwise.
OutputFormat parse_output_format(const std::string& text);

}  // namespace shamisa::cli

#endif  // SHAMISA_CLI_OUTPUT_H_
