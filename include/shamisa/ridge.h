// Ridge regression with an intercept, for every alpha of a search from one eigendecomposition
// (METHOD-SHAMISA.md §10.2, §10.4, §14).
//
// The model is sklearn's Ridge(alpha, fit_intercept=True): centre X and y, solve
// (Xc^T Xc + alpha I) w = Xc^T yc, and set intercept = mean(y) - mean(X) . w. All arithmetic is
// in double precision.
#ifndef SHAMISA_RIDGE_H_
#define SHAMISA_RIDGE_H_

#include <vector>

#include <torch/types.h>

namespace shamisa {

// numpy.geomspace(lo, hi, count) for 0 < lo, hi: count values evenly spaced in log10, with the
// endpoints exactly lo and hi. count = 0 gives no values, count = 1 gives {lo}. Usage error for
// non-positive or non-finite bounds and for count < 0.
std::vector<double> geomspace(double lo, double hi, int count);

// A fitted ridge regressor: prediction = X w + intercept.
struct RidgeModel {
  torch::Tensor weights;  // [d], float64
  double intercept = 0;
  double alpha = 0;

  // X: [n, d] float32 or float64 (any other real dtype is converted) -> [n] float64.
  // Usage error when X is not 2-D with d columns or the model has no weights.
  torch::Tensor predict(const torch::Tensor& X) const;
};

// The data of one ridge problem, decomposed once so that fit(alpha) is cheap for every alpha:
// - d <= n (primal): eigendecomposition of Xc^T Xc (d x d); fit costs O(d^2);
// - d > n (dual): eigendecomposition of Xc Xc^T (n x n), w = Xc^T (Xc Xc^T + alpha I)^-1 yc;
//   fit costs O(n^2 + n d).
// Both give the same w. X: [n, d], y: [n], any real dtype (converted to float64 and copied).
// Usage error for mismatched sizes, empty inputs and non-finite values.
//
// Cost of the constructor: one n x d by d x n product and one LAPACK eigendecomposition (syevd)
// of the smaller Gram matrix, O(n d min(n, d) + min(n, d)^3); for n = 5000, d = 4096 that is tens
// of seconds on one core, most of it in the eigendecomposition. Memory: a few copies of X and of
// the Gram matrix in float64.
enum class RidgeForm {
  kAuto,    // primal when d <= n, dual otherwise
  kPrimal,  // eigendecomposition of Xc^T Xc whatever the shape
  kDual,    // eigendecomposition of Xc Xc^T whatever the shape
};

class RidgePath {
 public:
  RidgePath(const torch::Tensor& X, const torch::Tensor& y);
  // The same, choosing the form (for tests and benchmarks; kAuto is always the cheaper one).
  RidgePath(const torch::Tensor& X, const torch::Tensor& y, RidgeForm form);

  // The ridge model for one alpha > 0 (usage error otherwise).
  RidgeModel fit(double alpha) const;

  int features() const { return features_; }
  int samples() const { return samples_; }
  // True when the path uses the dual (n x n) form.
  bool dual() const { return dual_; }

 private:
  friend class SignConstrainedRidge;
  int features_ = 0;
  int samples_ = 0;
  bool dual_ = false;
  torch::Tensor x_mean_;       // [d]
  double y_mean_ = 0;
  torch::Tensor eigenvalues_;  // [k], >= 0; k = d (primal) or n (dual)
  torch::Tensor eigenvectors_; // [k, k], columns
  torch::Tensor projected_;    // [k]: V^T Xc^T yc (primal) or U^T yc (dual)
  torch::Tensor x_centred_;    // [n, d], dual form only
};

// The ridge objective with every weight constrained to sign · w_j >= 0 (sign +1 or -1): for
// features that only grow with a distortion (|z_ref - z_dist|), on a scale where larger is worse
// (sign +1) or better (sign -1), no feature can then make a prediction better than zero features
// do. Built once from a path (the d x d Gram matrix Xc'Xc, from the path's decomposition or, in the
// dual form, from Xc), then fitted for any alpha. Usage error for another sign.
class SignConstrainedRidge {
 public:
  SignConstrainedRidge(const RidgePath& path, double sign);
  // Cyclic projected coordinate descent on 1/2 u'(Xc'Xc + alpha I)u - u'(sign Xc'yc), u = sign w,
  // in a fixed order (deterministic), from `start` when given (a warm start, e.g. the fit of a
  // nearby alpha) and from zero otherwise, until no weight moves by more than 1e-12 of the largest
  // or after 10,000 sweeps; O(d^2) per sweep. Usage error for alpha <= 0 or a start of the wrong
  // size.
  RidgeModel fit(double alpha, const RidgeModel* start = nullptr) const;

 private:
  double sign_;
  torch::Tensor gram_;    // [d, d] Xc'Xc, contiguous
  torch::Tensor linear_;  // [d] sign Xc'yc
  torch::Tensor x_mean_;  // [d]
  double y_mean_ = 0;
};

}  // namespace shamisa

#endif  // SHAMISA_RIDGE_H_
