/* C version of benchmarks/arrays.py's fused_expr: out = a*b + c*d - e in one loop.
 *
 * Built by arrays.py with the shared harness's compiler and flags
 * (gcc -O3 -march=native, no -ffast-math, like the Python kernel).
 * The output is allocated by the caller (NumPy), as the JITs allocate theirs.
 */
#include <stdint.h>

void fused_expr(const double *a, const double *b, const double *c,
                const double *d, const double *e, double *out, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        out[i] = a[i] * b[i] + c[i] * d[i] - e[i];
}
