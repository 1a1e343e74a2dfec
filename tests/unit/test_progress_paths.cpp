// Progress formatting, the reporter's silence when disabled, path expansion and exit codes.
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "shamisa/error.h"
#include "shamisa/image_paths.h"
#include "shamisa/progress.h"
#include "test_helpers.h"

namespace shamisa {
namespace {

TEST(Progress, FormatsCountRateAndEta) {
  EXPECT_EQ(format_progress("score", 30, 120, 10.0), "score  30/120  3.0/s  ETA 0:30");
  EXPECT_EQ(format_progress("score", 0, 120, 0.0), "score  0/120  0.0/s");
  EXPECT_EQ(format_progress("train", 7200, 0, 3600.0), "train  7200  2.0/s");
  EXPECT_EQ(format_progress("train", 1, 7201, 1.0), "train  1/7201  1.0/s  ETA 2:00:00");
}

TEST(Progress, DisabledReporterWritesNothing) {
  std::ostringstream out;
  {
    ProgressReporter progress("x", 3, false, out);
    progress.advance(3);
  }
  EXPECT_EQ(out.str(), "");
  {
    ProgressReporter progress("x", 2, true, out);
    progress.advance(2);
  }
  EXPECT_NE(out.str().find("x  2/2"), std::string::npos);
  EXPECT_EQ(out.str().back(), '\n');
}

TEST(ImagePaths, FoldersExpandSortedFilesStayAsGiven) {
  test::TempDir dir;
  std::filesystem::create_directories(dir.path("sub"));
  for (const char* name : {"b.PNG", "a.jpg", "notes.txt", "sub/c.webp"}) std::ofstream(dir.path(name)) << "x";
  const auto flat = expand_image_paths({dir.path("")}, false);
  ASSERT_EQ(flat.size(), 2u);
  EXPECT_NE(flat[0].find("a.jpg"), std::string::npos);
  EXPECT_NE(flat[1].find("b.PNG"), std::string::npos);
  EXPECT_EQ(expand_image_paths({dir.path("")}, true).size(), 3u);
  // An explicit file is kept even with another extension, and so is a missing path.
  EXPECT_EQ(expand_image_paths({dir.path("notes.txt"), dir.path("missing.png")}, false).size(), 2u);
}

TEST(Errors, KindsMapToTheDocumentedExitCodes) {
  EXPECT_EQ(exit_code_for(ErrorKind::kInternal), 1);
  EXPECT_EQ(exit_code_for(ErrorKind::kUsage), 2);
  EXPECT_EQ(exit_code_for(ErrorKind::kInput), 3);
  EXPECT_EQ(exit_code_for(ErrorKind::kModel), 4);
  try {
    throw_input_error("a.png", "file is empty");
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "a.png: file is empty");
    EXPECT_EQ(e.exit_code(), kExitInput);
  }
}

}  // namespace
}  // namespace shamisa
