"""The clock of notification emails in the tests that drive it by hand: an email waits DELAY
seconds after its notification, and the next one about the same thread waits out WINDOW."""

DELAY, WINDOW = 30, 600
