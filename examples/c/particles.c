/* The C baseline of examples/loopy.rs: the same two loops as its programs, compiled by
 * `cc -O2 -shared -fPIC` at run time. Same operations in the same order, so results are
 * bit-identical to the JIT's and the interpreter's. */
#include <math.h>

struct particle { double x, y, vx, vy; float mass; int id; };

double step(struct particle *p, long n, double dt) {
    double e = 0.0;
    for (long i = 0; i < n; i++) {
        p[i].x = p[i].x + dt * p[i].vx;
        p[i].y = p[i].y + dt * p[i].vy;
        p[i].vy = p[i].vy - dt * 9.81;
        e = e + hypot(p[i].vx, p[i].vy) * p[i].mass;
    }
    return e;
}

double moment(struct particle *p, long n) {
    double s = 0.0;
    for (long i = 0; i < n; i++) {
        s = s + p[i].x * p[i].mass;
    }
    return s;
}
