// Package perf holds the benchmarks and load tests that span packages: the
// listener against a bare net/http handler, forwarding latency, the memory
// soak and start-up cost. It has no non-test code besides this comment; the
// figures and the commands that reproduce them are in docs/performance.md.
package perf
