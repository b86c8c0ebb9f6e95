//! C data against the C compiler: every member kind written by jitffi and read by C, written
//! by C and read by jitffi, bit-exactly; random layouts from the foundation's generator;
//! ownership (drop, keep-alive, gc) with counters; views of C memory; CData in calls.
//!
//! Modules: `kinds` (the member kinds of `struct fx_data`, random values of them, C's accessors
//! and every read and write path: the helpers), `members` (every member kind against C, checked
//! and compiled handles), `random_layouts` (random records against C), `ownership` (drop,
//! keep-alive, gc, aligned and reused allocations), `views` (buffers, views, initializers and
//! their errors), `in_calls` (C data as call arguments and results), `pointer_paths` (paths
//! through pointer members against C).

#[path = "../common/mod.rs"]
mod common;

#[macro_use]
mod kinds;

mod in_calls;
mod members;
mod ownership;
mod pointer_paths;
mod random_layouts;
mod views;
