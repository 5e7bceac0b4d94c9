/* A C program using the AOT library through its generated header. */
#include <stdio.h>
#include "aot_kernels.h"

int main(void) {
    double data[4] = {0, 1, 2, 3};
    int64_t shape[1] = {4};
    jc_array_float64_1d a = jc_array_float64_1d_wrap(data, shape);
    double m;
    if (mean_square(&a, &m) != 0) return 1;
    printf("mean_square %.6f\n", m);
    int64_t h;
    if (halve_1(9, &h) != 0) return 2;
    printf("halve %lld\n", (long long)h);
    double hf;
    if (halve_2(9.0, &hf) != 0) return 3;
    printf("halve_f %.1f\n", hf);
    if (halve_1(-1, &h) != 0) printf("error %s: %s\n", aot_kernels_error_type(),
                                     aot_kernels_error_message());
    aot_kernels_clear_error();
    jc_array_float64_1d out;
    if (scaled(&a, 2.0, &out) != 0) return 4;
    printf("scaled %.6f %.6f %.6f %.6f\n", out.data[0], out.data[1], out.data[2], out.data[3]);
    aot_kernels_release(out.meminfo);
    double grid[6] = {1, 2, 3, 4, 5, 6};
    int64_t shape2[2] = {2, 3};
    jc_array_float64_2d g = jc_array_float64_2d_wrap(grid, shape2);
    double tr;
    if (trace(&g, &tr) != 0) return 5;
    printf("trace %.1f\n", tr);
    int64_t ints[3] = {7, 8, 9}, n3[1] = {3}, v;
    jc_array_int64_1d ia = jc_array_int64_1d_wrap(ints, n3);
    if (at(&ia, -1, &v) != 0) return 6;
    printf("at %lld\n", (long long)v);
    if (at(&ia, 5, &v) != 0) printf("error %s: %s\n", aot_kernels_error_type(),
                                    aot_kernels_error_message());
    int64_t steps;
    if (collatz(27, &steps) != 0) return 7;
    printf("collatz %lld\n", (long long)steps);
    return 0;
}
