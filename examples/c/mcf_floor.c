/* The floor for jitffi::lp's benchmark: the same min-cost-flow LP built by a plain C program
 * through GLPK's API, linked normally (cc -O2 mcf_floor.c -lglpk).
 *
 *   mcf_floor FILE.min [--rows] [--build-only] [--phases]
 *
 * Reads the DIMACS file into arrays (not timed), then builds the model (timed, CPU seconds):
 * one column per arc (bounds, cost), one fixed row per node (the supply), and the matrix with
 * one glp_load_matrix call, or with --rows one glp_set_mat_row per node, the two ways the
 * issue names. Then solves it as the modeler does by default (dual simplex, primal fallback, no
 * presolve). Prints the same key=value lines as examples/mincost_flow.rs.
 */
#include <glpk.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double peak_rss_mb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    double kb = -1;
    if (!f) return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0) kb = atof(line + 6);
    fclose(f);
    return kb / 1024.0;
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) { fprintf(stderr, "mcf_floor: out of memory\n"); exit(1); }
    return p;
}

int main(int argc, char **argv)
{
    const char *file = NULL;
    int rows = 0, build_only = 0, phases = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--rows") == 0) rows = 1;
        else if (strcmp(argv[i], "--build-only") == 0) build_only = 1;
        else if (strcmp(argv[i], "--phases") == 0) phases = 1;
        else file = argv[i];
    }
    if (!file) { fprintf(stderr, "usage: mcf_floor FILE.min [--rows] [--build-only]\n"); return 2; }
    FILE *in = fopen(file, "r");
    if (!in) { perror(file); return 1; }
    int n = 0, m = 0, k = 0;
    int *src = NULL, *dst = NULL;
    double *low = NULL, *cap = NULL, *cost = NULL, *supply = NULL;
    char line[512];
    while (fgets(line, sizeof line, in)) {
        if (line[0] == 'p') {
            if (sscanf(line, "p min %d %d", &n, &m) != 2) { fprintf(stderr, "bad p line\n"); return 1; }
            src = xmalloc(sizeof(int) * m); dst = xmalloc(sizeof(int) * m);
            low = xmalloc(sizeof(double) * m); cap = xmalloc(sizeof(double) * m);
            cost = xmalloc(sizeof(double) * m); supply = calloc(n + 1, sizeof(double));
        } else if (line[0] == 'n') {
            int id; double s;
            if (sscanf(line, "n %d %lf", &id, &s) != 2 || id < 1 || id > n) { fprintf(stderr, "bad n line\n"); return 1; }
            supply[id] = s;
        } else if (line[0] == 'a') {
            if (k >= m || sscanf(line, "a %d %d %lf %lf %lf", &src[k], &dst[k], &low[k], &cap[k], &cost[k]) != 5) {
                fprintf(stderr, "bad a line\n"); return 1;
            }
            k++;
        }
    }
    fclose(in);
    if (k != m) { fprintf(stderr, "expected %d arcs, read %d\n", m, k); return 1; }
    printf("nodes=%d\narcs=%d\n", n, m);

    glp_term_out(GLP_OFF);
    double cpu = cpu_seconds(), wall = wall_seconds();
    glp_prob *lp = glp_create_prob();
    glp_set_obj_dir(lp, GLP_MIN);
    glp_add_cols(lp, m);
    for (int j = 1; j <= m; j++) {
        double lo = low[j - 1], up = cap[j - 1];
        glp_set_col_bnds(lp, j, lo == up ? GLP_FX : GLP_DB, lo, up);
        glp_set_obj_coef(lp, j, cost[j - 1]);
    }
    double cpu_cols = cpu_seconds();
    glp_add_rows(lp, n);
    for (int i = 1; i <= n; i++)
        glp_set_row_bnds(lp, i, GLP_FX, supply[i], supply[i]);
    if (!rows) {
        int *ia = xmalloc(sizeof(int) * (2 * (size_t)m + 1)), *ja = xmalloc(sizeof(int) * (2 * (size_t)m + 1));
        double *ar = xmalloc(sizeof(double) * (2 * (size_t)m + 1));
        int ne = 0;
        for (int j = 1; j <= m; j++) {
            ne++; ia[ne] = src[j - 1]; ja[ne] = j; ar[ne] = 1.0;
            ne++; ia[ne] = dst[j - 1]; ja[ne] = j; ar[ne] = -1.0;
        }
        glp_load_matrix(lp, ne, ia, ja, ar);
        free(ia); free(ja); free(ar);
    } else {
        /* Rows in compressed form: count, then fill. */
        int *start = calloc(n + 2, sizeof(int)), *fill = xmalloc(sizeof(int) * (n + 2));
        int *ind = xmalloc(sizeof(int) * (2 * (size_t)m + 1));
        double *val = xmalloc(sizeof(double) * (2 * (size_t)m + 1));
        for (int j = 0; j < m; j++) { start[src[j]]++; start[dst[j]]++; }
        int acc = 0;
        for (int i = 1; i <= n; i++) { int c = start[i]; start[i] = acc; fill[i] = acc; acc += c; }
        start[n + 1] = acc;
        for (int j = 0; j < m; j++) {
            int p = ++fill[src[j]]; ind[p] = j + 1; val[p] = 1.0;
            p = ++fill[dst[j]]; ind[p] = j + 1; val[p] = -1.0;
        }
        for (int i = 1; i <= n; i++)
            glp_set_mat_row(lp, i, fill[i] - start[i], ind + start[i], val + start[i]);
        free(start); free(fill); free(ind); free(val);
    }
    if (phases) printf("phase_cols_s=%.4f\nphase_rows_matrix_s=%.4f\n", cpu_cols - cpu, cpu_seconds() - cpu_cols);
    printf("build_s=%.4f\nbuild_wall_s=%.4f\nbuild_peak_rss_mb=%.1f\n", cpu_seconds() - cpu,
           wall_seconds() - wall, peak_rss_mb());
    if (!build_only) {
        glp_smcp parm;
        glp_init_smcp(&parm);
        parm.meth = GLP_DUALP;
        parm.presolve = GLP_OFF;
        parm.msg_lev = GLP_MSG_OFF;
        double t = wall_seconds();
        int ret = glp_simplex(lp, &parm);
        printf("solve_s=%.3f\n", wall_seconds() - t);
        if (ret != 0 || glp_get_status(lp) != GLP_OPT) { fprintf(stderr, "not optimal (ret %d)\n", ret); return 1; }
        printf("objective=%.17g\n", glp_get_obj_val(lp));
    }
    printf("peak_rss_mb=%.1f\n", peak_rss_mb());
    glp_delete_prob(lp);
    return 0;
}
