package httpapi

import (
	"net/http"
	"net/http/pprof"
	"runtime"
)

// pprofHandler serves the runtime profiles. Block and mutex profiling are switched on with
// it (they cost a little on every contended lock), so they only run where PPROF_ADDR is set.
func pprofHandler() http.Handler {
	runtime.SetBlockProfileRate(10_000) // one sample per 10 µs blocked
	runtime.SetMutexProfileFraction(20)
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}
