package cli

import (
	"context"
	"flag"

	"ratchat/metrics"
)

func init() { addServePart(40, func() servePart { return &metricsPart{} }) }

// metricsPart serves the profile's metrics at /metrics on serve's HTTP
// mux (with --http; the HTTP part's tokens guard it: a metrics token reads
// it). The webhook part feeds the same metrics its deliveries.
type metricsPart struct {
	x *metrics.Metrics
}

func (p *metricsPart) flags(*flag.FlagSet) {}

// metrics returns the invocation's metrics, made at the first call.
func (p *metricsPart) metrics(env *serveEnv) *metrics.Metrics {
	if p.x == nil {
		p.x = metrics.New(env.M, env.Log)
	}
	return p.x
}

func (p *metricsPart) start(_ context.Context, _ *cli, env *serveEnv) (func() error, error) {
	env.Mux.Handle("GET /metrics", p.metrics(env).Handler())
	return nil, nil
}
