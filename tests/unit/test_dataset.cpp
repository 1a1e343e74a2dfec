// CSV reading, dataset files and presets, and the protocol's splits.
#include <filesystem>
#include <fstream>
#include <set>

#include <gtest/gtest.h>

#include "shamisa/csv.h"
#include "shamisa/dataset.h"
#include "shamisa/splits.h"
#include "test_helpers.h"

namespace shamisa {
namespace {

const std::string kMetadata = std::string(SHAMISA_SHARED_DATA) + "/iqa-metadata";

TEST(Csv, QuotesCrlfBlankLinesAndErrors) {
  const CsvTable t = parse_csv("image,score\r\n\"a, b.png\",1.5\r\n\r\n\"say \"\"hi\"\"\",2\n", "t.csv");
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0][0], "a, b.png");
  EXPECT_EQ(t.rows[1][0], "say \"hi\"");
  EXPECT_EQ(t.line_numbers[1], 4);
  EXPECT_EQ(t.column("score"), 1);
  EXPECT_EQ(t.column("ref"), -1);
  test::expect_error([] { parse_csv("image,score\na.png\n", "bad.csv"); }, ErrorKind::kInput, "bad.csv: line 2 has 1 fields");
  test::expect_error([] { parse_csv("", "empty.csv"); }, ErrorKind::kInput, "empty CSV");
  test::expect_error([] { parse_csv("a,b\n\"x,1\n", "q.csv"); }, ErrorKind::kInput, "unterminated");
}

TEST(DatasetCsv, PathsRelativeToTheCsvAndDatasetJson) {
  test::TempDir dir;
  std::filesystem::create_directories(dir.path("d/img"));
  std::ofstream(dir.path("d/scores.csv")) << "image,score,ref,type\nimg/a.png,10,img/r.png,blur\nimg/b.png,20,img/r.png,noise\n";
  std::ofstream(dir.path("d/dataset.json")) << R"({"name": "toy", "lower_better": true, "score_range": [0, 100]})";
  const Dataset d = load_dataset_csv(dir.path("d/scores.csv"));
  EXPECT_EQ(d.name, "toy");
  EXPECT_TRUE(d.lower_better);
  EXPECT_EQ(d.score_range, (std::array<double, 2>{0, 100}));
  ASSERT_EQ(d.items.size(), 2u);
  EXPECT_EQ(d.items[1].image, dir.path("d/img/b.png"));
  EXPECT_EQ(d.items[1].ref, dir.path("d/img/r.png"));
  EXPECT_EQ(d.items[1].type, "noise");
  EXPECT_DOUBLE_EQ(d.quality(d.items[1]), -20.0);
  EXPECT_TRUE(d.has_refs());
  EXPECT_FALSE(load_dataset_csv(dir.path("d/scores.csv"), false).lower_better);  // --higher-better wins
  // Every image is missing: one input error naming the files.
  test::expect_error([&] { require_dataset_files(d); }, ErrorKind::kInput, "3 image file(s) of the dataset are missing");
}

TEST(DatasetCsv, BadFilesAreInputErrorsWithLineNumbers) {
  test::TempDir dir;
  std::ofstream(dir.path("a.csv")) << "path,mos\nx.png,1\n";
  test::expect_error([&] { load_dataset_csv(dir.path("a.csv")); }, ErrorKind::kInput, "needs 'image' and 'score'");
  std::ofstream(dir.path("b.csv")) << "image,score\nx.png,1\ny.png,abc\n";
  test::expect_error([&] { load_dataset_csv(dir.path("b.csv")); }, ErrorKind::kInput, "line 3: score 'abc'");
  test::expect_error([&] { load_dataset_csv(dir.path("missing.csv")); }, ErrorKind::kInput, "no such file");
}

struct PresetCase {
  const char* preset;
  std::size_t rows;
  bool lower_better;
  std::array<double, 2> range;
  bool refs;
  std::size_t unique_refs;
};

TEST(DatasetPresets, EveryPresetParsesItsRealScoreList) {
  const std::vector<PresetCase> cases = {
      {"live", 779, true, {1, 100}, true, 29},       {"csiq", 866, true, {0, 1}, true, 30},
      {"tid2013", 3000, false, {0, 9}, true, 25},    {"kadid10k", 10125, false, {1, 5}, true, 81},
      {"koniq10k", 10073, false, {1, 100}, false, 0}, {"spaq", 11125, false, {1, 100}, false, 0},
      {"livec", 1161, false, {1, 100}, false, 0},
  };
  for (const auto& c : cases) {
    const Dataset d = load_dataset_preset(c.preset, "/data/" + std::string(c.preset), kMetadata);
    EXPECT_EQ(d.items.size(), c.rows) << c.preset;
    EXPECT_EQ(d.lower_better, c.lower_better) << c.preset;
    EXPECT_EQ(d.score_range, c.range) << c.preset;
    EXPECT_EQ(d.has_refs(), c.refs) << c.preset;
    std::set<std::string> refs;
    for (const auto& item : d.items) refs.insert(item.ref);
    if (c.refs) {
      EXPECT_EQ(refs.size(), c.unique_refs) << c.preset;
    }
    EXPECT_EQ(d.items.front().image.rfind("/data/" + std::string(c.preset) + "/", 0), 0u) << d.items.front().image;
  }
  // The images sit under the user's folder, the score list's first path component dropped.
  const Dataset live = load_dataset_preset("live", "/data/LIVE", kMetadata);
  EXPECT_EQ(live.items[0].image, "/data/LIVE/jp2k/img2.bmp");
  EXPECT_EQ(live.items[0].ref, "/data/LIVE/refimgs/studentsculpture.bmp");
  EXPECT_EQ(live.items[0].type, "jp2k");
  const Dataset koniq = load_dataset_preset("koniq10k", "/k", kMetadata);
  EXPECT_EQ(koniq.items[0].image, "/k/1024x768/10004473376.jpg");
  EXPECT_NEAR(koniq.items[0].score, 77.3836206897, 1e-9);
  EXPECT_TRUE(koniq.has_official_split());
  test::expect_error([] { load_dataset_preset("live2", "/x"); }, ErrorKind::kUsage, "unknown dataset preset");
  // FLIVE has no public list here: its preset reads the release's own labels file.
  test::expect_error([] { load_dataset_preset("flive", "/nonexistent"); }, ErrorKind::kInput, "labels_image.csv");
}

TEST(Splits, ReferenceDisjointWithHalfToEvenCounts) {
  for (const auto& [preset, train, val, test] :
       std::vector<std::tuple<std::string, int, int, int>>{{"live", 20, 3, 6}, {"tid2013", 18, 2, 5}, {"kadid10k", 57, 8, 16}}) {
    const Dataset d = load_dataset_preset(preset, "/x", kMetadata);
    const auto splits = make_splits(d);
    ASSERT_EQ(splits.size(), 10u);
    std::set<std::vector<int>> distinct_tests;
    for (const Split& s : splits) {
      std::set<std::string> tr, va, te;
      for (int i : s.train) tr.insert(d.items[i].ref);
      for (int i : s.val) va.insert(d.items[i].ref);
      for (int i : s.test) te.insert(d.items[i].ref);
      EXPECT_EQ(int(tr.size()), train) << preset;
      EXPECT_EQ(int(va.size()), val) << preset;
      EXPECT_EQ(int(te.size()), test) << preset;
      for (const auto& r : te) EXPECT_FALSE(tr.count(r) || va.count(r)) << preset << " leaks " << r;
      EXPECT_EQ(s.train.size() + s.val.size() + s.test.size(), d.items.size());
      distinct_tests.insert(s.test);
    }
    EXPECT_EQ(distinct_tests.size(), 10u) << preset;  // every split differs
  }
  EXPECT_EQ(split_method(load_dataset_preset("live", "/x", kMetadata)), "reference-disjoint");
}

TEST(Splits, DeterministicRandomAndOfficial) {
  const Dataset spaq = load_dataset_preset("spaq", "/x", kMetadata);
  const auto a = make_splits(spaq), b = make_splits(spaq);
  EXPECT_EQ(a[3].test, b[3].test);
  SplitOptions other;
  other.seed = 28;
  EXPECT_NE(make_splits(spaq, other)[3].test, a[3].test);
  EXPECT_EQ(a[0].train.size(), 7787u);  // 0.7 * 11125 = 7787.499999999999 in double -> 7787, as Python
  EXPECT_EQ(a[0].val.size(), 1112u);    // round(1112.5) = 1112
  EXPECT_EQ(split_method(spaq), "random");
  const Dataset koniq = load_dataset_preset("koniq10k", "/x", kMetadata);
  const auto official = make_splits(koniq);
  ASSERT_EQ(official.size(), 1u);
  EXPECT_EQ(official[0].train.size(), 7058u);
  EXPECT_EQ(official[0].val.size(), 1000u);
  EXPECT_EQ(official[0].test.size(), 2015u);
}

}  // namespace
}  // namespace shamisa
