// Ctrl-C for long commands (check, explore, matrix, live): the first SIGINT or SIGTERM only sets
// a flag, so the command stops at its next step, keeps what it finished, writes it and exits 130;
// a second one kills every child process group still running (live/net/process.h) and exits at
// once. Children die with h2sim anyway (PR_SET_PDEATHSIG), so nothing is left running.
#pragma once

namespace h2sim::live {

// Installs the handler for SIGINT and SIGTERM (again in a forked worker, which then stops on
// the same signal its parent gets from the terminal).
void install_interrupt_handler();
// True once SIGINT or SIGTERM has arrived.
bool interrupted();
// The exit code of an interrupted command.
inline constexpr int interrupted_exit_code = 130;

}  // namespace h2sim::live
