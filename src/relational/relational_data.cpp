// Relational training data; see include/shamisa/relational_data.h.
#include "shamisa/relational_data.h"

#include <algorithm>
#include <cmath>

#include "shamisa/crop.h"
#include "shamisa/error.h"
#include "shamisa/image_io.h"
#include "shamisa/tensor.h"

namespace shamisa {
namespace {

constexpr int kNoise = 1, kCompression = 6, kTextureLoss = 7;

void require_rgbf(const cv::Mat& x, const char* what) {
  if (x.empty() || x.type() != CV_32FC3) throw_usage_error(what, "needs a non-empty CV_32FC3 RGB image in [0, 1]");
}

// Partial Fisher-Yates: `count` distinct entries of `pool`, in draw order.
std::vector<int> draw_distinct(std::vector<int> pool, int count, Rng& rng) {
  for (int i = 0; i < count; ++i) {
    const int j = rng.uniform_int(i, static_cast<int>(pool.size()) - 1);
    std::swap(pool[std::size_t(i)], pool[std::size_t(j)]);
  }
  pool.resize(std::size_t(count));
  return pool;
}

// One edit on `axis`: a random direction (positive for one-sided axes), an operation of that
// direction, a mask of a random kind, and the given magnitude.
PlannedEdit draw_edit(const cv::Mat& patch, int axis, double magnitude, Rng& rng) {
  const int sign = axis_is_one_sided(axis) || rng.uniform() < 0.5 ? 1 : -1;
  const std::vector<const AxisOperation*> ops = operations_for(axis, sign);
  PlannedEdit e;
  e.operation = ops[std::size_t(rng.uniform_int(0, static_cast<int>(ops.size()) - 1))];
  e.edit.axis = axis;
  e.edit.strength = sign * magnitude;
  e.edit.mask = make_mask(sample_mask_kind(rng), patch.size(), rng, patch);
  e.noise_seed = rng.next_u64();
  return e;
}

std::vector<SignedEdit> signed_edits(const ImageProgram& program) {
  std::vector<SignedEdit> edits;
  for (const PlannedEdit& e : program.edits) edits.push_back(e.edit);
  return edits;
}

}  // namespace

const std::vector<AxisOperation>& axis_operations() {
  struct Entry {
    const char* name;
    int axis, sign;
  };
  static const Entry table[] = {
      {"gaublur", 0, -1},          {"lensblur", 0, -1},          {"motionblur", 0, -1},
      {"highsharpen", 0, 1},       {"whitenoise", 1, 1},         {"whitenoiseCC", 1, 1},
      {"multnoise", 1, 1},         {"impulsenoise", 1, 1},       {"brighten", 2, 1},
      {"meanshiftpos", 2, 1},      {"darken", 2, -1},            {"meanshiftneg", 2, -1},
      {"lincontrchangepos", 3, 1}, {"lincontrchangeneg", 3, -1}, {"nonlincontrchange", 3, -1},
      {"colorsat2", 4, 1},         {"desaturate", 4, -1},        {"warm", 5, 1},
      {"cool", 5, -1},             {"jpeg", 6, 1},               {"jpeg2000", 6, 1},
      {"smoothing", 7, 1},
  };
  static const std::vector<AxisOperation> ops = [] {
    std::vector<AxisOperation> out;
    for (const Entry& e : table) {
      const DistortionType* type = nullptr;
      for (const DistortionType& t : relational_distortion_types())
        if (t.name == e.name) type = &t;
      out.push_back({type ? type : &find_distortion(e.name), e.axis, e.sign});
    }
    return out;
  }();
  return ops;
}

std::vector<const AxisOperation*> operations_for(int axis, int sign) {
  std::vector<const AxisOperation*> out;
  for (const AxisOperation& op : axis_operations())
    if (op.axis == axis && op.sign == sign) out.push_back(&op);
  return out;
}

bool axis_is_one_sided(int axis) { return axis == kNoise || axis == kCompression || axis == kTextureLoss; }

double strength_to_severity(double t) { return std::clamp(5.0 * std::abs(t) - 1.0, 0.0, 4.0); }

cv::Mat apply_axis_operation(const cv::Mat& x, const AxisOperation& op, double magnitude, Rng& rng) {
  if (!(magnitude > 0.0 && magnitude <= 1.0)) throw_usage_error(op.type->name, "strength must be in (0, 1]");
  return apply_step(x, DistortionStep{op.type, severity_to_value(*op.type, strength_to_severity(magnitude))}, rng);
}

void validate(const ProgramOptions& o) {
  if (!(o.p_reference >= 0.0 && o.p_reference <= 1.0)) throw_usage_error("p_reference", "must be in [0, 1]");
  if (!(o.min_strength >= 0.2 && o.min_strength <= 1.0)) throw_usage_error("min_strength", "must be in [0.2, 1]");
  if (o.axes.empty()) throw_usage_error("axes", "must name at least one axis");
  for (std::size_t i = 0; i < o.axes.size(); ++i) {
    if (o.axes[i] < 0 || o.axes[i] >= kRelationalAxes) throw_usage_error("axes", "must be in [0, 7]");
    if (std::find(o.axes.begin(), o.axes.begin() + std::ptrdiff_t(i), o.axes[i]) != o.axes.begin() + std::ptrdiff_t(i))
      throw_usage_error("axes", "must not repeat an axis");
  }
  if (o.max_axes < 1) throw_usage_error("max_axes", "must be at least 1");
}

ImageProgram sample_program(const cv::Mat& patch, Rng& rng, const ProgramOptions& options) {
  require_rgbf(patch, "relational program");
  validate(options);
  ImageProgram program;
  if (rng.uniform() < options.p_reference) return program;
  const int count = rng.uniform_int(1, std::min<int>(options.max_axes, static_cast<int>(options.axes.size())));
  for (int axis : draw_distinct(options.axes, count, rng)) {
    program.edits.push_back(draw_edit(patch, axis, rng.uniform(options.min_strength, 1.0), rng));
  }
  return program;
}

cv::Mat apply_program(const cv::Mat& patch, const ImageProgram& program) {
  require_rgbf(patch, "relational program");
  cv::Mat x = patch.clone();
  for (const PlannedEdit& e : program.edits) {
    Rng noise(e.noise_seed);
    const cv::Mat distorted = apply_axis_operation(x, *e.operation, std::abs(e.edit.strength), noise);
    x = e.edit.mask.empty() ? distorted : blend_through_mask(x, distorted, e.edit.mask);
  }
  return x;
}

std::vector<std::pair<int, int>> distorted_pairs(int set_size) {
  std::vector<std::pair<int, int>> pairs;
  for (int i = 1; i < set_size; ++i) {
    for (int j = i + 1; j < set_size; ++j) pairs.emplace_back(i, j);
  }
  return pairs;
}

double program_severity(const ImageProgram& program) {
  double severity = 0.0;
  for (const PlannedEdit& e : program.edits) {
    const double area = e.edit.mask.empty() ? 1.0 : cv::mean(e.edit.mask)[0];
    severity += std::abs(e.edit.strength) * area;
  }
  return severity;
}

cv::Mat program_targets(const ImageProgram& program, cv::Size size) { return image_targets(signed_edits(program), size); }

RelationalPair make_relational_pair(const cv::Mat& patch, Rng& rng, const ProgramOptions& options) {
  RelationalPair pair;
  pair.program_a = sample_program(patch, rng, options);
  pair.program_b = sample_program(patch, rng, options);
  pair.a = apply_program(patch, pair.program_a);
  pair.b = apply_program(patch, pair.program_b);
  pair.targets = pair_targets(program_targets(pair.program_a, patch.size()), program_targets(pair.program_b, patch.size()));
  return pair;
}

RelationalPair swapped(const RelationalPair& pair) {
  RelationalPair out;
  out.a = pair.b;
  out.b = pair.a;
  out.program_a = pair.program_b;
  out.program_b = pair.program_a;
  pair.targets.convertTo(out.targets, -1, -1.0);  // unary minus is 0 - M, which 8 channels break
  return out;
}

RankedSet make_ranked_set(const cv::Mat& patch, int n, RankedSetKind kind, Rng& rng, const ProgramOptions& options) {
  require_rgbf(patch, "ranked set");
  validate(options);
  if (n < 2 || n > 8) throw_usage_error("ranked set", "size must be in [2, 8], got " + std::to_string(n));
  const int axes_available = static_cast<int>(options.axes.size());
  if (kind == RankedSetKind::kNested && n - 1 > axes_available) {
    throw_usage_error("ranked set", "a nested set of " + std::to_string(n) + " needs " + std::to_string(n - 1) +
                                        " axes, only " + std::to_string(axes_available) + " allowed");
  }
  std::vector<ImageProgram> programs(static_cast<std::size_t>(n));
  if (kind == RankedSetKind::kCrossProgram) {
    ProgramOptions always_edited = options;
    always_edited.p_reference = 0.0;
    for (int j = 1; j < n; ++j) programs[std::size_t(j)] = sample_program(patch, rng, always_edited);
    std::stable_sort(programs.begin() + 1, programs.end(), [](const ImageProgram& x, const ImageProgram& y) {
      return program_severity(x) < program_severity(y);
    });
  } else if (kind == RankedSetKind::kNested) {
    const std::vector<int> axes = draw_distinct(options.axes, n - 1, rng);
    for (int j = 1; j < n; ++j) {
      programs[std::size_t(j)] = programs[std::size_t(j - 1)];
      programs[std::size_t(j)].edits.push_back(
          draw_edit(patch, axes[std::size_t(j - 1)], rng.uniform(options.min_strength, 1.0), rng));
    }
  } else {
    // One program; each axis's magnitude grows linearly from just above min_strength at rank 1 to
    // its drawn top value (at least 0.6) at rank n - 1, with masks and noise fixed.
    const int count = rng.uniform_int(1, std::min(options.max_axes, axes_available));
    ImageProgram top;
    for (int axis : draw_distinct(options.axes, count, rng)) {
      top.edits.push_back(draw_edit(patch, axis, rng.uniform(std::max(0.6, options.min_strength), 1.0), rng));
    }
    for (int j = 1; j < n; ++j) {
      ImageProgram p = top;
      for (PlannedEdit& e : p.edits) {
        const double m = std::abs(e.edit.strength);
        const double scaled = options.min_strength + (m - options.min_strength) * j / (n - 1);
        e.edit.strength = std::copysign(scaled, e.edit.strength);
      }
      programs[std::size_t(j)] = std::move(p);
    }
  }
  RankedSet set;
  for (const ImageProgram& p : programs) {
    set.images.push_back(apply_program(patch, p));
    set.targets.push_back(program_targets(p, patch.size()));
  }
  set.programs = std::move(programs);
  return set;
}

namespace {

// A crop x crop patch of a random image of the pool.
cv::Mat random_patch(const std::vector<std::string>& images, int crop, Rng& rng) {
  const std::string& path = images[std::size_t(rng.uniform_int(0, static_cast<int>(images.size()) - 1))];
  const cv::Mat image = read_image_rgbf(path);
  // A random window inside the image; a smaller image is centred and zero-padded.
  const int x = image.cols > crop ? rng.uniform_int(0, image.cols - crop) : (image.cols - crop) / 2;
  const int y = image.rows > crop ? rng.uniform_int(0, image.rows - crop) : (image.rows - crop) / 2;
  return crop_zero_padded(image, x, y, crop, crop);
}

}  // namespace

RelationalBatch make_relational_batch(const std::vector<std::string>& images, int triplets, int crop,
                                      std::uint64_t seed, std::int64_t step, const ProgramOptions& options) {
  if (images.empty()) throw_usage_error("relational batch", "no images");
  if (triplets < 1) throw_usage_error("relational batch", "needs at least one triplet");
  if (crop < 8) throw_usage_error("relational batch", "crop must be at least 8 pixels");
  constexpr std::uint64_t kRelationalBatchStream = 0x7e1a;
  std::vector<cv::Mat> x[3];                 // A, B, C of every triplet
  std::vector<torch::Tensor> ab, bc, ac;     // the pair targets
  for (int i = 0; i < triplets; ++i) {
    Rng rng = Rng::stream(seed, {kRelationalBatchStream, static_cast<std::uint64_t>(step), static_cast<std::uint64_t>(i)});
    const cv::Mat patch = random_patch(images, crop, rng);
    cv::Mat y[3];
    for (int j = 0; j < 3; ++j) {
      const ImageProgram program = sample_program(patch, rng, options);
      x[j].push_back(apply_program(patch, program));
      y[j] = program_targets(program, patch.size());
    }
    ab.push_back(planes_to_tensor(pair_targets(y[0], y[1])));
    bc.push_back(planes_to_tensor(pair_targets(y[1], y[2])));
    ac.push_back(planes_to_tensor(pair_targets(y[0], y[2])));
  }
  const torch::Tensor a = images_to_batch(x[0], kNoNormalization), b = images_to_batch(x[1], kNoNormalization),
                      c = images_to_batch(x[2], kNoNormalization);
  RelationalBatch batch;
  batch.triplets = triplets;
  batch.a = torch::cat({a, b, a});
  batch.b = torch::cat({b, c, c});
  batch.targets = torch::cat({torch::stack(ab), torch::stack(bc), torch::stack(ac)});
  return batch;
}

RankedBatch make_ranked_batch(const std::vector<std::string>& images, int sets, int set_size, int crop,
                              std::uint64_t seed, std::int64_t step, const ProgramOptions& options,
                              const std::vector<RankedSetKind>& kinds) {
  if (images.empty()) throw_usage_error("ranked batch", "no images");
  if (sets < 1) throw_usage_error("ranked batch", "needs at least one set");
  if (kinds.empty()) throw_usage_error("ranked batch", "needs at least one kind of set");
  if (crop < 8) throw_usage_error("ranked batch", "crop must be at least 8 pixels");
  constexpr std::uint64_t kRankedBatchStream = 0x7e1b;
  std::vector<cv::Mat> rows, references;
  for (int i = 0; i < sets; ++i) {
    Rng rng = Rng::stream(seed, {kRankedBatchStream, static_cast<std::uint64_t>(step), static_cast<std::uint64_t>(i)});
    const cv::Mat patch = random_patch(images, crop, rng);
    const RankedSetKind kind = kinds[std::size_t(i) % kinds.size()];
    for (const cv::Mat& image : make_ranked_set(patch, set_size, kind, rng, options).images) {
      rows.push_back(image);
      references.push_back(patch);
    }
  }
  RankedBatch batch;
  batch.images = images_to_batch(rows, kNoNormalization);
  batch.references = images_to_batch(references, kNoNormalization);
  batch.sets = sets;
  batch.set_size = set_size;
  return batch;
}

}  // namespace shamisa
