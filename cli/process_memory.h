// How an h2sim process keeps its memory between runs. A run of thousands of calls builds a frame
// log and per-call state of tens of megabytes and frees them at its end. By default glibc serves
// each block over its mmap threshold with a fresh mapping and returns it at free, and trims the
// heap's top once 128 KiB of it are free, so every such run faulted its memory in again from
// the OS: a benchmark process of ten 10,000-call runs took 60,788 minor page faults, and takes
// 31,663 (one run's growth of the heap) with this (bench/README.md, "Issue 13 on 2026-12-04,
// third session"). h2sim runs case after case, so it keeps what it freed for the next run
// instead; its resident size stays at the largest run's peak until it exits.
#pragma once

namespace h2sim::cli {

// Every allocation comes from the heap and freed memory stays in it. Call once, before the runs.
void keep_freed_memory();

}  // namespace h2sim::cli
