// A small RFC 4180 CSV reader: quoted fields, doubled quotes, CRLF or LF line ends.
#ifndef SHAMISA_CSV_H_
#define SHAMISA_CSV_H_

#include <map>
#include <string>
#include <vector>

namespace shamisa {

struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // every row has header.size() fields
  std::vector<int> line_numbers;               // 1-based line of each row, for messages

  // Index of a column, or -1.
  int column(const std::string& name) const;
};

// Parses `text`; `name` is used in error messages. Input errors for an empty file, a row with
// the wrong number of fields (naming its line) or an unterminated quote.
CsvTable parse_csv(const std::string& text, const std::string& name);
CsvTable read_csv_file(const std::string& path);

}  // namespace shamisa

#endif  // SHAMISA_CSV_H_
