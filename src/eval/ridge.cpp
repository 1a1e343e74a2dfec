// Ridge regression from one eigendecomposition (include/shamisa/ridge.h).
#include "shamisa/ridge.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <tuple>
#include <vector>

#include "shamisa/error.h"

namespace shamisa {
namespace {

std::string shape_of(const torch::Tensor& t) {
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
  return s + "]";
}

// Float64, contiguous, detached view or (copy = true) copy of a real tensor.
torch::Tensor to_double(const char* subject, const char* name, const torch::Tensor& t,
                        bool copy = false) {
  if (!t.defined()) throw_usage_error(subject, std::string(name) + " is undefined");
  if (t.is_complex() || t.scalar_type() == torch::kBool) {
    throw_usage_error(subject, std::string(name) + " must be a real tensor");
  }
  torch::Tensor d = t.detach().to(torch::kCPU, torch::kFloat64).contiguous();
  // to() and contiguous() return t itself when nothing changes: never let a caller's tensor be
  // modified through it.
  if (copy && d.data_ptr() == t.data_ptr()) d = d.clone();
  return d;
}

void check_finite(const char* subject, const char* name, const torch::Tensor& t) {
  if (!torch::isfinite(t).all().item<bool>()) {
    throw_usage_error(subject, std::string(name) + " has non-finite values");
  }
}

}  // namespace

std::vector<double> geomspace(double lo, double hi, int count) {
  if (!(lo > 0.0) || !(hi > 0.0) || !std::isfinite(lo) || !std::isfinite(hi)) {
    throw_usage_error("geomspace", "bounds must be finite and positive, got " + std::to_string(lo) +
                                       " and " + std::to_string(hi));
  }
  if (count < 0) throw_usage_error("geomspace", "count must be >= 0, got " + std::to_string(count));
  std::vector<double> out(static_cast<std::size_t>(count));
  if (count == 0) return out;
  const double log_lo = std::log10(lo);
  const double log_hi = std::log10(hi);
  if (count > 1) {
    // Exponents log_lo + i * step as numpy.linspace forms them, then 10^e.
    const double step = (log_hi - log_lo) / static_cast<double>(count - 1);
    for (int i = 0; i < count; ++i) {
      const double e = step == 0.0 ? log_lo : static_cast<double>(i) * step + log_lo;
      out[static_cast<std::size_t>(i)] = std::pow(10.0, e);
    }
    out.back() = hi;  // exact endpoints: 10^log10(v) need not give v back
  }
  out.front() = lo;
  return out;
}

torch::Tensor RidgeModel::predict(const torch::Tensor& X) const {
  if (!weights.defined() || weights.dim() != 1) {
    throw_usage_error("RidgeModel::predict", "the model has no weights");
  }
  if (!X.defined() || X.dim() != 2 || X.size(1) != weights.size(0)) {
    throw_usage_error("RidgeModel::predict",
                      "X must be [n, " + std::to_string(weights.size(0)) + "], got " +
                          (X.defined() ? shape_of(X) : std::string("undefined")));
  }
  torch::NoGradGuard no_grad;
  const torch::Tensor x = to_double("RidgeModel::predict", "X", X);
  return torch::mv(x, weights.to(torch::kFloat64)) + intercept;
}

RidgePath::RidgePath(const torch::Tensor& X, const torch::Tensor& y)
    : RidgePath(X, y, RidgeForm::kAuto) {}

RidgePath::RidgePath(const torch::Tensor& X, const torch::Tensor& y, RidgeForm form) {
  const char* subject = "RidgePath";
  if (!X.defined() || X.dim() != 2) {
    throw_usage_error(subject, "X must be 2-D [n, d], got " +
                                   (X.defined() ? shape_of(X) : std::string("undefined")));
  }
  if (!y.defined() || y.dim() != 1) {
    throw_usage_error(subject, "y must be 1-D [n], got " +
                                   (y.defined() ? shape_of(y) : std::string("undefined")));
  }
  if (X.size(0) != y.size(0)) {
    throw_usage_error(subject, "X has " + std::to_string(X.size(0)) + " rows but y has " +
                                   std::to_string(y.size(0)) + " values");
  }
  if (X.size(0) == 0 || X.size(1) == 0) {
    throw_usage_error(subject, "empty data " + shape_of(X));
  }
  torch::NoGradGuard no_grad;
  torch::Tensor x = to_double(subject, "X", X, /*copy=*/true);  // centred in place below
  const torch::Tensor yd = to_double(subject, "y", y);
  check_finite(subject, "X", x);
  check_finite(subject, "y", yd);

  samples_ = static_cast<int>(x.size(0));
  features_ = static_cast<int>(x.size(1));
  x_mean_ = x.mean(0);
  y_mean_ = yd.mean().item<double>();
  x.sub_(x_mean_);  // x is our own copy: centre in place
  const torch::Tensor yc = yd - y_mean_;

  dual_ = form == RidgeForm::kDual || (form == RidgeForm::kAuto && features_ > samples_);
  // One LAPACK eigendecomposition (syevd) of the smaller Gram matrix. linalg_eigh reads only the
  // lower triangle, so the product's rounding asymmetry does not matter.
  torch::Tensor gram = dual_ ? torch::mm(x, x.t()) : torch::mm(x.t(), x);
  auto [values, vectors] = torch::linalg_eigh(gram);
  gram = torch::Tensor();
  // The Gram matrix is positive semi-definite; negative eigenvalues are rounding.
  eigenvalues_ = values.clamp_min(0.0);
  eigenvectors_ = vectors;
  if (dual_) {
    projected_ = torch::mv(vectors.t(), yc);
    x_centred_ = x;
  } else {
    projected_ = torch::mv(vectors.t(), torch::mv(x.t(), yc));
  }
}

RidgeModel RidgePath::fit(double alpha) const {
  if (!(alpha > 0.0) || !std::isfinite(alpha)) {
    throw_usage_error("RidgePath::fit",
                      "alpha must be finite and > 0, got " + std::to_string(alpha));
  }
  torch::NoGradGuard no_grad;
  const torch::Tensor coefficients = torch::mv(eigenvectors_, projected_ / (eigenvalues_ + alpha));
  RidgeModel model;
  // Primal: w = V (V^T Xc^T yc) / (lambda + alpha). Dual: w = Xc^T U (U^T yc) / (lambda + alpha).
  model.weights = dual_ ? torch::mv(x_centred_.t(), coefficients) : coefficients;
  model.intercept = y_mean_ - torch::dot(x_mean_, model.weights).item<double>();
  model.alpha = alpha;
  return model;
}

SignConstrainedRidge::SignConstrainedRidge(const RidgePath& path, double sign)
    : sign_(sign), x_mean_(path.x_mean_), y_mean_(path.y_mean_) {
  if (sign != 1.0 && sign != -1.0) throw_usage_error("SignConstrainedRidge", "sign must be +1 or -1");
  torch::NoGradGuard no_grad;
  const torch::Tensor& v = path.eigenvectors_;
  if (path.dual_) {
    gram_ = torch::mm(path.x_centred_.t(), path.x_centred_);
    linear_ = torch::mv(path.x_centred_.t(), torch::mv(v, path.projected_));
  } else {
    gram_ = torch::mm(v * path.eigenvalues_, v.t());
    linear_ = torch::mv(v, path.projected_);
  }
  gram_ = gram_.contiguous();
  linear_ = (linear_ * sign).contiguous();
}

RidgeModel SignConstrainedRidge::fit(double alpha, const RidgeModel* start) const {
  const char* subject = "SignConstrainedRidge::fit";
  const int d = static_cast<int>(linear_.numel());
  if (!(alpha > 0.0) || !std::isfinite(alpha)) {
    throw_usage_error(subject, "alpha must be finite and > 0, got " + std::to_string(alpha));
  }
  if (start && (!start->weights.defined() || start->weights.numel() != d)) {
    throw_usage_error(subject, "the start has no weights of size " + std::to_string(d));
  }
  torch::NoGradGuard no_grad;
  torch::Tensor u = torch::zeros({d}, torch::kFloat64);
  if (start) u = (start->weights.to(torch::kFloat64) * sign_).clamp_min(0.0).contiguous();
  // residual = sign Xc'yc - (G + alpha I) u, kept up to date as u moves.
  double* w = u.data_ptr<double>();
  const double* G = gram_.data_ptr<double>();
  const double* linear = linear_.data_ptr<double>();
  std::vector<double> residual(d);
  for (int j = 0; j < d; ++j) {
    double r = linear[j] - alpha * w[j];
    for (int k = 0; k < d; ++k) r -= G[static_cast<std::size_t>(j) * d + k] * w[k];
    residual[j] = r;
  }
  for (int sweep = 0; sweep < 10000; ++sweep) {
    double largest_move = 0.0, largest_weight = 0.0;
    for (int j = 0; j < d; ++j) {
      const double* column = G + static_cast<std::size_t>(j) * d;  // G is symmetric
      const double next = std::max(0.0, w[j] + residual[j] / (column[j] + alpha));
      const double move = next - w[j];
      if (move != 0.0) {
        w[j] = next;
        for (int k = 0; k < d; ++k) residual[k] -= move * column[k];
        residual[j] -= move * alpha;
      }
      largest_move = std::max(largest_move, std::abs(move));
      largest_weight = std::max(largest_weight, w[j]);
    }
    if (largest_move <= 1e-12 * largest_weight) break;
  }
  RidgeModel model;
  model.weights = u * sign_;
  model.intercept = y_mean_ - torch::dot(x_mean_, model.weights).item<double>();
  model.alpha = alpha;
  return model;
}

}  // namespace shamisa
