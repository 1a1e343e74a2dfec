// Strict reading of JSON config files, shared by the training configs of both methods: every
// key is checked for its type and range, and keys the reader does not know are reported.
#ifndef SHAMISA_CONFIG_READER_H_
#define SHAMISA_CONFIG_READER_H_

#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "shamisa/error.h"

namespace shamisa {

// Reads the keys of one JSON object into fields, remembering which keys it knows, so that every
// key the file has but the reader does not know can be reported.
class SectionReader {
 public:
  SectionReader(const nlohmann::json& object, std::string path, std::string source)
      : object_(object), path_(std::move(path)), source_(std::move(source)) {
    if (!object_.is_object()) fail(path_.empty() ? "the file" : path_, "must be a JSON object");
  }

  // Strict: a number where a bool is expected, a fraction or negative number where a count is
  // expected, or a value outside the field's range is an error, not a silent conversion.
  template <typename T>
  void read(const std::string& key, T& field) {
    known_.insert(key);
    const auto it = object_.find(key);
    if (it == object_.end()) return;
    const nlohmann::json& v = *it;
    auto wrong = [&](const std::string& expected) {
      fail(qualified(key), "must be " + expected + " (got " + v.dump() + ")");
    };
    if constexpr (std::is_same_v<T, bool>) {
      if (!v.is_boolean()) wrong("true or false");
      field = v.get<bool>();
    } else if constexpr (std::is_integral_v<T>) {
      if (!v.is_number_integer()) wrong("an integer");
      if (v.is_number_unsigned()) {
        const auto u = v.get<std::uint64_t>();
        if (u > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) wrong("a smaller integer");
        field = static_cast<T>(u);
      } else {
        const auto i = v.get<std::int64_t>();
        if (std::is_unsigned_v<T> && i < 0) wrong("a non-negative integer");
        if (!std::is_unsigned_v<T> && (i < static_cast<std::int64_t>(std::numeric_limits<T>::min()) ||
                                       i > static_cast<std::int64_t>(std::numeric_limits<T>::max()))) {
          wrong("a smaller integer");
        }
        field = static_cast<T>(i);
      }
    } else if constexpr (std::is_floating_point_v<T>) {
      if (!v.is_number()) wrong("a number");
      field = v.get<T>();
      if (!std::isfinite(field)) wrong("a finite number");
    } else {
      if (!v.is_string()) wrong("a string");
      field = v.get<std::string>();
    }
  }

  // A non-empty list of integers in [lo, hi].
  void read_int_list(const std::string& key, std::vector<int>& field, int lo, int hi) {
    read_list(key, field, lo, hi, "integers");
  }

  // A non-empty list of finite numbers in [lo, hi].
  void read_number_list(const std::string& key, std::vector<double>& field, double lo, double hi) {
    read_list(key, field, lo, hi, "numbers");
  }

  // A nested section; absent → an empty object (all defaults).
  SectionReader section(const std::string& key) {
    known_.insert(key);
    const auto it = object_.find(key);
    static const nlohmann::json kEmpty = nlohmann::json::object();
    return SectionReader(it == object_.end() ? kEmpty : *it, qualified(key), source_);
  }

  void reject_unknown() const {
    for (const auto& item : object_.items()) {
      if (known_.count(item.key()) == 0) fail(qualified(item.key()), "is not a known key");
    }
  }

  std::string qualified(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  [[noreturn]] void fail(const std::string& key, const std::string& problem) const {
    throw_usage_error(source_, "'" + key + "' " + problem);
  }

 private:
  template <typename T>
  void read_list(const std::string& key, std::vector<T>& field, T lo, T hi, const std::string& what) {
    known_.insert(key);
    const auto it = object_.find(key);
    if (it == object_.end()) return;
    std::ostringstream range;
    range << "[" << lo << ", " << hi << "]";
    const std::string expected = "a non-empty list of " + what + " in " + range.str() + " (got " + it->dump() + ")";
    if (!it->is_array() || it->empty()) fail(qualified(key), "must be " + expected);
    std::vector<T> values;
    for (const nlohmann::json& v : *it) {
      const bool typed = std::is_integral_v<T> ? v.is_number_integer() : v.is_number();
      if (!typed) fail(qualified(key), "must be " + expected);
      const double x = v.get<double>();
      if (!std::isfinite(x) || x < static_cast<double>(lo) || x > static_cast<double>(hi)) {
        fail(qualified(key), "must be " + expected);
      }
      values.push_back(v.get<T>());
    }
    field = std::move(values);
  }

  const nlohmann::json& object_;
  std::string path_;
  std::string source_;
  std::set<std::string> known_;
};

// The names of an enumeration's values in a config file; one table serves reading and writing.
template <typename T>
using Choices = std::vector<std::pair<const char*, T>>;

template <typename T>
std::string choice_name(const Choices<T>& choices, T value) {
  for (const auto& [name, v] : choices) {
    if (v == value) return name;
  }
  throw_internal_error("training config", "a value without a name");
}

// Reads `key` as one of the names of `choices`; anything else is a usage error listing them.
template <typename T>
void read_choice(SectionReader& section, const std::string& key, T& field, const Choices<T>& choices) {
  std::string name = choice_name(choices, field);
  section.read(key, name);
  std::string accepted;
  for (const auto& [candidate, value] : choices) {
    if (name == candidate) {
      field = value;
      return;
    }
    accepted += (accepted.empty() ? "" : ", ") + std::string(candidate);
  }
  section.fail(section.qualified(key), "must be one of " + accepted + ", not '" + name + "'");
}

// Parses the JSON file at `path`: input error when it cannot be opened, usage error when it is
// not valid JSON.
nlohmann::json read_json_file(const std::string& path);

}  // namespace shamisa

#endif  // SHAMISA_CONFIG_READER_H_
