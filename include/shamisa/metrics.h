// Correlation and error metrics of the evaluation protocol (METHOD-SHAMISA.md §10.2, §10.6).
//
// Conventions shared by every function here:
// - x and y must have the same size and at least 2 points (3 for the logistic fit); otherwise a
//   usage error (shamisa::Error, ErrorKind::kUsage) naming the function is thrown.
// - NaN or infinite inputs are a usage error.
// - The result is a quiet NaN when the metric is undefined, e.g. constant predictions or constant
//   scores (a correlation with zero variance). Nothing divides by zero silently.
//
// The definitions follow scipy.stats (rankdata, spearmanr, pearsonr, kendalltau with
// variant 'b') and scipy.optimize.curve_fit for the logistic; the unit tests pin values computed
// with scipy.
#ifndef SHAMISA_METRICS_H_
#define SHAMISA_METRICS_H_

#include <array>
#include <vector>

namespace shamisa {

// 1-based ranks; tied values all get the average of the ranks they span (scipy.stats.rankdata,
// method 'average'). An empty input gives an empty result; non-finite values are a usage error.
std::vector<double> average_ranks(const std::vector<double>& v);

// Spearman's rank correlation: Pearson's correlation of the average ranks. NaN when undefined,
// e.g. constant predictions.
double srcc(const std::vector<double>& x, const std::vector<double>& y);

// Pearson's linear correlation, clamped to [-1, 1]. NaN when undefined, e.g. constant predictions.
double plcc(const std::vector<double>& x, const std::vector<double>& y);

// Kendall's tau-b (ties in x, in y and in both are accounted for), O(n log n) (Knight's
// algorithm). NaN when undefined, e.g. constant predictions.
double krcc(const std::vector<double>& x, const std::vector<double>& y);

// Root mean squared difference sqrt(mean((x - y)^2)).
double rmse(const std::vector<double>& x, const std::vector<double>& y);

// --- Four-parameter logistic (§10.6) -----------------------------------------------------------

// beta = (b1, b2, b3, b4); converged says whether Levenberg-Marquardt met its tolerance before
// running out of function evaluations; iterations counts the Jacobian evaluations (LM iterations).
struct LogisticFit {
  std::array<double, 4> beta{0.0, 0.0, 0.0, 1.0};
  bool converged = false;
  int iterations = 0;
};

// f(x) = (b1 - b2) / (1 + exp(-(x - b3) / |b4|)) + b2, evaluated without overflow for any x.
// b4 = 0 is the limit b4 -> 0: a step with f(b3) = (b1 + b2) / 2.
double logistic4(const std::array<double, 4>& beta, double x);

// Least-squares fit of logistic4 to the points (x, y) by Levenberg-Marquardt in double precision,
// started at beta = (max y, min y, mean x, std x) (std with divisor n, numpy's default), as the
// reference's scipy curve_fit(maxfev = 10000). The evaluation budget counts like scipy's
// finite-difference MINPACK: one per residual evaluation plus 4 per Jacobian. When x or y is
// constant no fit is attempted: the starting beta is returned with converged = false. The fit
// also reports converged = false when the budget runs out or the iteration breaks down
// numerically (the best beta found so far is returned).
LogisticFit fit_logistic4(const std::vector<double>& x, const std::vector<double>& y);
// The same with another evaluation budget (>= 1).
LogisticFit fit_logistic4(const std::vector<double>& x, const std::vector<double>& y,
                          int max_evaluations);

// plcc(logistic4(fit, x), y) after fit_logistic4(x, y), using the best parameters found even when
// the fit did not meet its tolerance (as scipy's curve_fit would report them); *converged (if
// given) says whether it did. Only when no fit was attempted or its predictions are not all
// finite is this the plain plcc(x, y), with *converged = false. NaN when undefined, e.g.
// constant predictions or constant scores.
double plcc_logistic(const std::vector<double>& x, const std::vector<double>& y,
                     bool* converged = nullptr);

}  // namespace shamisa

#endif  // SHAMISA_METRICS_H_
