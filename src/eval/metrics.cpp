// Correlation and error metrics, and the 4-parameter logistic fit (include/shamisa/metrics.h).
#include "shamisa/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "shamisa/error.h"

namespace shamisa {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// --- Validation ---------------------------------------------------------------------------------

void check_finite(const char* function, const std::vector<double>& v, const char* name) {
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!std::isfinite(v[i])) {
      throw_usage_error(function, std::string(name) + "[" + std::to_string(i) + "] is not finite");
    }
  }
}

void check_pair(const char* function, const std::vector<double>& x, const std::vector<double>& y,
                std::size_t min_points) {
  if (x.size() != y.size()) {
    throw_usage_error(function, "x has " + std::to_string(x.size()) + " values but y has " +
                                    std::to_string(y.size()));
  }
  if (x.size() < min_points) {
    throw_usage_error(function, "needs at least " + std::to_string(min_points) + " points, got " +
                                    std::to_string(x.size()));
  }
  check_finite(function, x, "x");
  check_finite(function, y, "y");
}

bool is_constant(const std::vector<double>& v) {
  return std::all_of(v.begin(), v.end(), [&](double a) { return a == v.front(); });
}

// --- Pearson core -------------------------------------------------------------------------------

// Multiplies every value by the power of two that brings the largest magnitude into [0.5, 1).
// Exact (no rounding), so it changes no correlation, and it keeps sums of squares of finite
// inputs away from overflow and underflow.
void normalise_scale(std::vector<double>& v) {
  double max_abs = 0.0;
  for (double a : v) max_abs = std::max(max_abs, std::fabs(a));
  if (max_abs == 0.0 || !std::isfinite(max_abs)) return;
  int exponent = 0;
  std::frexp(max_abs, &exponent);
  for (double& a : v) a = std::ldexp(a, -exponent);
}

// v - mean(v), rescaled by a power of two. The mean gets one correction pass.
std::vector<double> centred(const std::vector<double>& v) {
  std::vector<double> c = v;
  normalise_scale(c);
  const double n = static_cast<double>(c.size());
  double mean = std::accumulate(c.begin(), c.end(), 0.0) / n;
  double correction = 0.0;
  for (double a : c) correction += a - mean;
  mean += correction / n;
  for (double& a : c) a -= mean;
  normalise_scale(c);
  return c;
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// Pearson's r of validated inputs; NaN when either has zero variance.
double pearson_unchecked(const std::vector<double>& x, const std::vector<double>& y) {
  if (is_constant(x) || is_constant(y)) return kNaN;
  const std::vector<double> xc = centred(x);
  const std::vector<double> yc = centred(y);
  const double sxx = dot(xc, xc);
  const double syy = dot(yc, yc);
  if (!(sxx > 0.0) || !(syy > 0.0)) return kNaN;
  const double r = dot(xc, yc) / (std::sqrt(sxx) * std::sqrt(syy));
  return std::clamp(r, -1.0, 1.0);
}

std::vector<double> ranks_unchecked(const std::vector<double>& v) {
  const std::size_t n = v.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
  std::vector<double> ranks(n);
  std::size_t begin = 0;
  while (begin < n) {
    std::size_t end = begin + 1;
    while (end < n && v[order[end]] == v[order[begin]]) ++end;
    // Positions begin..end-1 hold ranks begin+1..end; each gets their average.
    const double rank = 0.5 * (static_cast<double>(begin + 1) + static_cast<double>(end));
    for (std::size_t k = begin; k < end; ++k) ranks[order[k]] = rank;
    begin = end;
  }
  return ranks;
}

// Number of pairs within runs of equal values of a sorted sequence: sum of t (t - 1) / 2.
template <typename Equal>
std::int64_t tied_pairs(std::size_t n, Equal equal) {
  std::int64_t pairs = 0;
  std::size_t begin = 0;
  while (begin < n) {
    std::size_t end = begin + 1;
    while (end < n && equal(begin, end)) ++end;
    const auto t = static_cast<std::int64_t>(end - begin);
    pairs += t * (t - 1) / 2;
    begin = end;
  }
  return pairs;
}

// Stable bottom-up merge sort of v; returns the number of pairs i < j with v[i] > v[j].
std::int64_t sort_counting_inversions(std::vector<double>& v) {
  const std::size_t n = v.size();
  std::vector<double> buffer(n);
  std::int64_t inversions = 0;
  for (std::size_t width = 1; width < n; width *= 2) {
    for (std::size_t lo = 0; lo < n; lo += 2 * width) {
      const std::size_t mid = std::min(lo + width, n);
      const std::size_t hi = std::min(lo + 2 * width, n);
      std::size_t i = lo;
      std::size_t j = mid;
      std::size_t k = lo;
      while (i < mid && j < hi) {
        if (v[j] < v[i]) {  // strictly smaller: it jumps over every remaining left value
          inversions += static_cast<std::int64_t>(mid - i);
          buffer[k++] = v[j++];
        } else {
          buffer[k++] = v[i++];
        }
      }
      while (i < mid) buffer[k++] = v[i++];
      while (j < hi) buffer[k++] = v[j++];
    }
    v.swap(buffer);
  }
  return inversions;
}

// --- Logistic -----------------------------------------------------------------------------------

// s = 1 / (1 + exp(-u)) and its complement 1 - s, both without overflow or cancellation.
struct Sigmoid {
  double s;
  double complement;
};

Sigmoid sigmoid(double u) {
  const double e = std::exp(-std::fabs(u));  // in [0, 1]
  const double inv = 1.0 / (1.0 + e);
  if (u >= 0) return {inv, e * inv};
  return {e * inv, inv};
}

constexpr int kParams = 4;
// Tolerances, relative, tighter than curve_fit's 1.49e-8 so that the answer sits at the optimum
// to well below the precision that anyone compares it at.
constexpr double kFtol = 1e-13;  // relative reduction of the sum of squares (actual and predicted)
constexpr double kXtol = 1e-12;  // scaled step relative to the scaled parameters
constexpr double kGtol = 1e-14;  // cosine between the residual and every Jacobian column
// One Jacobian counts as kParams evaluations, as MINPACK's forward differences would.
constexpr int kJacobianCost = kParams;

using Beta = std::array<double, kParams>;

// r_i = f(x_i) - y_i; returns sum r_i^2 (inf/NaN when it cannot be evaluated).
double residuals(const Beta& beta, const std::vector<double>& x, const std::vector<double>& y,
                 std::vector<double>& r) {
  double ss = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    r[i] = logistic4(beta, x[i]) - y[i];
    ss += r[i] * r[i];
  }
  return ss;
}

// Row-major n x 4 Jacobian of f with respect to beta. Requires beta[3] != 0.
void jacobian(const Beta& beta, const std::vector<double>& x, std::vector<double>& jac) {
  const double scale = std::fabs(beta[3]);
  const double height = beta[0] - beta[1];
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double u = (x[i] - beta[2]) / scale;
    const Sigmoid sg = sigmoid(u);
    const double slope = height * sg.s * sg.complement;  // d f / d u
    double* row = &jac[i * kParams];
    row[0] = sg.s;
    row[1] = sg.complement;
    row[2] = -slope / scale;
    row[3] = -slope * u / beta[3];
  }
}

// Least squares min ||A z - b|| for A m x 4 (row-major, full column rank) by Householder QR.
// A and b are overwritten. Returns false when A is numerically rank deficient.
bool least_squares4(std::vector<double>& a, std::vector<double>& b, std::size_t m,
                    std::array<double, kParams>& z) {
  for (int k = 0; k < kParams; ++k) {
    double norm = 0.0;
    double big = 0.0;
    for (std::size_t i = k; i < m; ++i) big = std::max(big, std::fabs(a[i * kParams + k]));
    if (big == 0.0) return false;
    for (std::size_t i = k; i < m; ++i) {
      const double t = a[i * kParams + k] / big;
      norm += t * t;
    }
    norm = big * std::sqrt(norm);
    const double alpha = a[k * kParams + k] > 0 ? -norm : norm;
    // v = a_k - alpha e_k, stored in place; H = I - 2 v v^T / (v^T v).
    a[k * kParams + k] -= alpha;
    double vtv = 0.0;
    for (std::size_t i = k; i < m; ++i) vtv += a[i * kParams + k] * a[i * kParams + k];
    if (vtv == 0.0) return false;
    for (int j = k + 1; j < kParams; ++j) {
      double d = 0.0;
      for (std::size_t i = k; i < m; ++i) d += a[i * kParams + k] * a[i * kParams + j];
      const double f = 2.0 * d / vtv;
      for (std::size_t i = k; i < m; ++i) a[i * kParams + j] -= f * a[i * kParams + k];
    }
    double d = 0.0;
    for (std::size_t i = k; i < m; ++i) d += a[i * kParams + k] * b[i];
    const double f = 2.0 * d / vtv;
    for (std::size_t i = k; i < m; ++i) b[i] -= f * a[i * kParams + k];
    a[k * kParams + k] = alpha;  // R's diagonal
  }
  for (int k = kParams - 1; k >= 0; --k) {
    double s = b[k];
    for (int j = k + 1; j < kParams; ++j) s -= a[k * kParams + j] * z[j];
    const double diag = a[k * kParams + k];
    if (diag == 0.0 || !std::isfinite(diag)) return false;
    z[k] = s / diag;
  }
  return std::all_of(z.begin(), z.end(), [](double v) { return std::isfinite(v); });
}

double norm4(const std::array<double, kParams>& v) {
  double s = 0.0;
  for (double a : v) s += a * a;
  return std::sqrt(s);
}

}  // namespace

// --- Rank and correlation metrics ----------------------------------------------------------

std::vector<double> average_ranks(const std::vector<double>& v) {
  check_finite("average_ranks", v, "v");
  return ranks_unchecked(v);
}

double srcc(const std::vector<double>& x, const std::vector<double>& y) {
  check_pair("srcc", x, y, 2);
  if (is_constant(x) || is_constant(y)) return kNaN;
  return pearson_unchecked(ranks_unchecked(x), ranks_unchecked(y));
}

double plcc(const std::vector<double>& x, const std::vector<double>& y) {
  check_pair("plcc", x, y, 2);
  return pearson_unchecked(x, y);
}

double krcc(const std::vector<double>& x, const std::vector<double>& y) {
  check_pair("krcc", x, y, 2);
  const std::size_t n = x.size();
  // Knight (1966): sort by (x, y); the discordant pairs are then the inversions of y.
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return x[a] < x[b] || (x[a] == x[b] && y[a] < y[b]);
  });
  const std::int64_t ties_x =
      tied_pairs(n, [&](std::size_t a, std::size_t b) { return x[order[a]] == x[order[b]]; });
  const std::int64_t ties_xy = tied_pairs(n, [&](std::size_t a, std::size_t b) {
    return x[order[a]] == x[order[b]] && y[order[a]] == y[order[b]];
  });
  std::vector<double> ys(n);
  for (std::size_t k = 0; k < n; ++k) ys[k] = y[order[k]];
  const std::int64_t discordant = sort_counting_inversions(ys);
  const std::int64_t ties_y =
      tied_pairs(n, [&](std::size_t a, std::size_t b) { return ys[a] == ys[b]; });

  const auto pairs = static_cast<std::int64_t>(n) * static_cast<std::int64_t>(n - 1) / 2;
  const std::int64_t untied_x = pairs - ties_x;
  const std::int64_t untied_y = pairs - ties_y;
  if (untied_x == 0 || untied_y == 0) return kNaN;  // constant x or y
  // concordant - discordant over the pairs tied in neither x nor y.
  const std::int64_t score = pairs - ties_x - ties_y + ties_xy - 2 * discordant;
  const double tau = static_cast<double>(score) / std::sqrt(static_cast<double>(untied_x)) /
                     std::sqrt(static_cast<double>(untied_y));
  return std::clamp(tau, -1.0, 1.0);
}

double rmse(const std::vector<double>& x, const std::vector<double>& y) {
  check_pair("rmse", x, y, 2);
  std::vector<double> d(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) d[i] = x[i] - y[i];
  double max_abs = 0.0;
  for (double a : d) max_abs = std::max(max_abs, std::fabs(a));
  if (max_abs == 0.0) return 0.0;
  if (!std::isfinite(max_abs)) return std::numeric_limits<double>::infinity();
  double s = 0.0;
  for (double a : d) s += (a / max_abs) * (a / max_abs);
  return max_abs * std::sqrt(s / static_cast<double>(d.size()));
}

// --- Logistic ----------------------------------------------------------------------------------

double logistic4(const std::array<double, 4>& beta, double x) {
  const double height = beta[0] - beta[1];
  const double scale = std::fabs(beta[3]);
  if (scale == 0.0) {  // the limit |b4| -> 0: a step
    if (x > beta[2]) return beta[0];
    if (x < beta[2]) return beta[1];
    return 0.5 * height + beta[1];
  }
  return height * sigmoid((x - beta[2]) / scale).s + beta[1];
}

LogisticFit fit_logistic4(const std::vector<double>& x, const std::vector<double>& y) {
  return fit_logistic4(x, y, 10000);
}

LogisticFit fit_logistic4(const std::vector<double>& x, const std::vector<double>& y,
                          int max_evaluations) {
  check_pair("fit_logistic4", x, y, 3);
  if (max_evaluations < 1) {
    throw_usage_error("fit_logistic4", "max_evaluations must be at least 1, got " +
                                           std::to_string(max_evaluations));
  }
  const std::size_t n = x.size();
  const double nd = static_cast<double>(n);

  // Starting point (max y, min y, mean x, std x), std with divisor n.
  LogisticFit fit;
  {
    const auto [ymin, ymax] = std::minmax_element(y.begin(), y.end());
    double mean = 0.0;
    for (double a : x) mean += a / nd;
    double var = 0.0;
    for (double a : x) var += (a - mean) * (a - mean) / nd;
    fit.beta = {*ymax, *ymin, mean, std::sqrt(var)};
  }
  if (is_constant(x) || is_constant(y) || !(fit.beta[3] > 0.0) || !std::isfinite(fit.beta[3])) {
    return fit;  // nothing to fit: converged = false, iterations = 0
  }

  Beta beta = fit.beta;
  std::vector<double> r(n), r_trial(n), jac(n * kParams), scaled(n * kParams);
  std::vector<double> a((n + kParams) * kParams), b(n + kParams);
  double ss = residuals(beta, x, y, r);
  int evaluations = 1;
  if (!std::isfinite(ss)) return fit;
  if (ss == 0.0) {
    fit.converged = true;
    return fit;
  }

  std::array<double, kParams> col_scale{0.0, 0.0, 0.0, 0.0};  // running max of column norms
  double lambda = 1e-3;  // damping, relative to unit-norm scaled columns
  double nu = 2.0;
  bool converged = false;
  bool out_of_budget = false;

  while (!converged && !out_of_budget) {
    if (evaluations + kJacobianCost > max_evaluations) {
      out_of_budget = true;
      break;
    }
    jacobian(beta, x, jac);
    evaluations += kJacobianCost;
    ++fit.iterations;

    // Scale the columns (Marquardt's scaling, as MINPACK's diag): the scaled Jacobian has column
    // norms <= 1, which makes the damping invariant to the units of each parameter.
    std::array<double, kParams> col_norm{0.0, 0.0, 0.0, 0.0};
    for (int j = 0; j < kParams; ++j) {
      double big = 0.0;
      for (std::size_t i = 0; i < n; ++i) big = std::max(big, std::fabs(jac[i * kParams + j]));
      double s = 0.0;
      if (big > 0.0) {
        for (std::size_t i = 0; i < n; ++i) {
          const double t = jac[i * kParams + j] / big;
          s += t * t;
        }
      }
      col_norm[j] = big * std::sqrt(s);
      col_scale[j] = std::max(col_scale[j], col_norm[j]);
    }
    if (!std::all_of(col_scale.begin(), col_scale.end(),
                     [](double v) { return v > 0.0 && std::isfinite(v); })) {
      break;  // a parameter with no influence anywhere so far: give up, not converged
    }
    for (std::size_t i = 0; i < n; ++i) {
      for (int j = 0; j < kParams; ++j) {
        scaled[i * kParams + j] = jac[i * kParams + j] / col_scale[j];
      }
    }

    // Gradient test: the residual is orthogonal to every Jacobian column.
    {
      const double r_norm = std::sqrt(ss);
      double worst = 0.0;
      for (int j = 0; j < kParams; ++j) {
        if (col_norm[j] == 0.0) continue;
        double g = 0.0;
        for (std::size_t i = 0; i < n; ++i) g += jac[i * kParams + j] * r[i];
        worst = std::max(worst, std::fabs(g) / (col_norm[j] * r_norm));
      }
      if (worst <= kGtol) {
        converged = true;
        break;
      }
    }

    // Inner loop: raise the damping until a step reduces the sum of squares.
    while (true) {
      // min ||J_s eta + r||^2 + lambda ||eta||^2 as least squares with the rows sqrt(lambda) I.
      const double root_lambda = std::sqrt(lambda);
      std::copy(scaled.begin(), scaled.end(), a.begin());
      std::fill(a.begin() + static_cast<std::ptrdiff_t>(n * kParams), a.end(), 0.0);
      for (int j = 0; j < kParams; ++j) a[(n + j) * kParams + j] = root_lambda;
      for (std::size_t i = 0; i < n; ++i) b[i] = -r[i];
      std::fill(b.begin() + static_cast<std::ptrdiff_t>(n), b.end(), 0.0);
      std::array<double, kParams> eta{};
      const bool solved = least_squares4(a, b, n + kParams, eta);

      Beta trial = beta;
      std::array<double, kParams> scaled_beta{};
      for (int j = 0; j < kParams; ++j) {
        if (solved) trial[j] = beta[j] + eta[j] / col_scale[j];
        scaled_beta[j] = beta[j] * col_scale[j];
      }
      const double step = solved ? norm4(eta) : std::numeric_limits<double>::infinity();
      const bool tiny_step = step <= kXtol * norm4(scaled_beta);

      bool accepted = false;
      double actual = 0.0;
      double predicted = 0.0;
      double ss_trial = std::numeric_limits<double>::infinity();
      if (solved && trial[3] != 0.0 && std::all_of(trial.begin(), trial.end(), [](double v) {
            return std::isfinite(v);
          })) {
        if (evaluations + 1 > max_evaluations) {
          out_of_budget = true;
          break;
        }
        ss_trial = residuals(trial, x, y, r_trial);
        ++evaluations;
        // Predicted: ||r||^2 - ||r + J_s eta||^2.
        double model = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
          double jd = 0.0;
          for (int j = 0; j < kParams; ++j) jd += scaled[i * kParams + j] * eta[j];
          model += (r[i] + jd) * (r[i] + jd);
        }
        predicted = ss - model;
        actual = ss - ss_trial;
        accepted = std::isfinite(ss_trial) && actual > 0.0;
      }

      if (accepted) {
        const double rho = predicted > 0.0 ? actual / predicted : 0.0;
        beta = trial;
        r.swap(r_trial);
        const double ss_before = ss;
        ss = ss_trial;
        // Nielsen's damping update.
        const double t = 2.0 * rho - 1.0;
        lambda *= std::max(1.0 / 3.0, 1.0 - t * t * t);
        lambda = std::max(lambda, 1e-15);
        nu = 2.0;
        if (ss == 0.0 || (actual <= kFtol * ss_before && predicted <= kFtol * ss_before &&
                          rho <= 2.0) ||
            tiny_step) {
          converged = true;
        }
        break;  // next Jacobian
      }
      if (tiny_step) {  // even a negligible step fails: beta is the optimum to working precision
        converged = true;
        break;
      }
      lambda *= nu;
      nu *= 2.0;
      if (!std::isfinite(lambda) || lambda > 1e300) break;  // cannot make progress: not converged
    }
    if (!converged && !(lambda <= 1e300)) break;
  }

  fit.beta = beta;
  fit.converged = converged;
  return fit;
}

double plcc_logistic(const std::vector<double>& x, const std::vector<double>& y, bool* converged) {
  check_pair("plcc_logistic", x, y, 3);
  const LogisticFit fit = fit_logistic4(x, y);
  if (converged != nullptr) *converged = fit.converged;
  // Levenberg-Marquardt only accepts steps that lower the squared error, so even an unconverged
  // fit (the best curve running off to infinity, e.g. an exponential-like tail) is the best one
  // found; scipy's curve_fit reports such fits as successful. Fall back to the plain PLCC only
  // when no fit was attempted or its predictions are not finite.
  std::vector<double> fx(x.size());
  bool finite = fit.iterations > 0 || fit.converged;
  for (std::size_t i = 0; finite && i < x.size(); ++i) {
    fx[i] = logistic4(fit.beta, x[i]);
    finite = std::isfinite(fx[i]);
  }
  if (!finite) {
    if (converged != nullptr) *converged = false;
    return pearson_unchecked(x, y);
  }
  return pearson_unchecked(fx, y);
}

}  // namespace shamisa
