// Pictures of relational maps for people: one heatmap per axis, overlaid on image A, and an
// overview sheet (METHOD-RELATIONAL.md section 3.1; `shamisa relate --maps`).
#ifndef SHAMISA_RELATIONAL_FIGURES_H_
#define SHAMISA_RELATIONAL_FIGURES_H_

#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <torch/torch.h>

namespace shamisa {

// The diverging colour of a signed intensity v in [-1, 1] as RGB in [0, 1]: white at 0, through
// light to saturated red at +1 and blue at -1 (values outside are clamped).
cv::Vec3f diverging_colour(float v);

// One axis's map [H, W] over A (CV_32FC3 RGB in [0, 1], the same size): A in grey, dimmed, under
// the diverging colours with an opacity growing with |v|; below it a legend bar from -1 to +1
// with the axis name and what each sign means. Returns CV_32FC3 RGB in [0, 1].
cv::Mat axis_heatmap(const cv::Mat& a, const torch::Tensor& map, const std::string& axis,
                     const std::string& positive_meaning, const std::string& negative_meaning);

// A sheet of labelled tiles, `columns` per row, each tile scaled to `tile_width` pixels wide
// (height in proportion, the first tile's). CV_32FC3 in and out.
cv::Mat overview_sheet(const std::vector<cv::Mat>& tiles, const std::vector<std::string>& labels, int columns,
                       int tile_width);

}  // namespace shamisa

#endif  // SHAMISA_RELATIONAL_FIGURES_H_
