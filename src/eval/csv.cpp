#include "shamisa/csv.h"

#include "shamisa/error.h"
#include "shamisa/image_io.h"

namespace shamisa {

int CsvTable::column(const std::string& name) const {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return static_cast<int>(i);
  return -1;
}

CsvTable parse_csv(const std::string& text, const std::string& name) {
  std::vector<std::vector<std::string>> records;
  std::vector<int> lines;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false, field_started = false;
  int line = 1, record_line = 1;
  auto end_field = [&] {
    record.push_back(field);
    field.clear();
    field_started = false;
  };
  auto end_record = [&] {
    end_field();
    if (!(record.size() == 1 && record[0].empty())) {  // skip blank lines
      records.push_back(record);
      lines.push_back(record_line);
    }
    record.clear();
  };
  std::size_t i = 0;
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) i = 3;  // UTF-8 byte-order mark
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == '"' && !field_started) {
      quoted = field_started = true;
    } else if (c == ',') {
      end_field();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      end_record();
      record_line = ++line;
    } else {
      field += c;
      field_started = true;
    }
  }
  if (quoted) throw_input_error(name, "unterminated quoted field starting on line " + std::to_string(record_line));
  if (field_started || !record.empty()) end_record();
  if (records.empty()) throw_input_error(name, "empty CSV file (no header)");

  CsvTable table;
  table.header = records.front();
  for (auto& h : table.header) {  // tolerate spaces around header names
    const auto b = h.find_first_not_of(" \t"), e = h.find_last_not_of(" \t");
    h = b == std::string::npos ? "" : h.substr(b, e - b + 1);
  }
  for (std::size_t r = 1; r < records.size(); ++r) {
    if (records[r].size() != table.header.size())
      throw_input_error(name, "line " + std::to_string(lines[r]) + " has " + std::to_string(records[r].size()) +
                                  " fields, the header has " + std::to_string(table.header.size()));
    table.rows.push_back(std::move(records[r]));
    table.line_numbers.push_back(lines[r]);
  }
  return table;
}

CsvTable read_csv_file(const std::string& path) {
  const std::vector<std::uint8_t> bytes = read_file_bytes(path);
  return parse_csv(std::string(bytes.begin(), bytes.end()), path);
}

}  // namespace shamisa
