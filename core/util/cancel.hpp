// Cooperative cancellation: SIGINT/SIGTERM set a flag that long loops poll, so an
// interrupted command unwinds, removes its temporary files and exits 130.
#pragma once

namespace eductl {
void install_interrupt_handlers();
bool interrupted();
void request_interrupt();  // for tests
void clear_interrupt();    // for tests: a test that interrupts leaves the flag as it found it
}  // namespace eductl
