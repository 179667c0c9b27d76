// Package metrics serves a profile's metrics in the Prometheus text format
// for `ratchat serve` (GET /metrics): counts of messages, key agreements,
// decryption failures and webhook deliveries, the outbox's depth and each
// event consumer's lag. No metric carries content or an identity: the only
// label values are fixed words and the names operators gave their event
// consumers.
//
// # Metrics
//
//   - ratchat_messages_total{direction="in|out"} (counter)
//   - ratchat_key_agreements_total{result="started|failed"} (counter)
//   - ratchat_decrypt_failures_total (counter)
//   - ratchat_outbox_depth (gauge)
//   - ratchat_webhook_deliveries_total{result="ok|failed|dead"} (counter)
//   - ratchat_webhook_delivery_seconds (histogram)
//   - ratchat_event_lag{consumer="..."} (gauge)
//
// The messenger's counts and gauges are read from [chat.Messenger] at each
// scrape (a collector, not a copy kept up to date), so a scrape always sees
// the current values; the webhook metrics are fed by the dispatcher through
// [Metrics.WebhookDelivered].
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"ratchat/chat"
)

// Namespace prefixes every metric's name.
const Namespace = "ratchat"

// ScrapeTimeout bounds the store reads of one scrape (the outbox depth and
// the consumers' cursors).
const ScrapeTimeout = 5 * time.Second

// Results of a webhook delivery, the values of the result label of
// ratchat_webhook_deliveries_total.
const (
	ResultOK     = "ok"     // the receiver answered 2xx
	ResultFailed = "failed" // an attempt failed; it is retried
	ResultDead   = "dead"   // the event was dead-lettered after the maximum age
)

// DeliveryBuckets are the histogram buckets of
// ratchat_webhook_delivery_seconds: from a millisecond (loopback) to the
// ten seconds of the dispatcher's default request timeout.
var DeliveryBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// Metrics is a profile's metrics on a registry of their own (not the
// process-wide default one: nothing else registers there).
type Metrics struct {
	reg        *prometheus.Registry
	deliveries *prometheus.CounterVec
	latency    prometheus.Histogram
}

// New returns the metrics of messenger m; log (nil: discard) gets the
// errors of scrapes.
func New(m *chat.Messenger, log *slog.Logger) *Metrics {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	x := &Metrics{
		reg: prometheus.NewRegistry(),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "webhook_deliveries_total",
			Help: "Webhook delivery attempts by result: ok (2xx), failed (retried), dead (dead-lettered).",
		}, []string{"result"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "webhook_delivery_seconds",
			Help:    "Time of one webhook POST, from sending the request to the receiver's answer.",
			Buckets: DeliveryBuckets,
		}),
	}
	// Every result is exported from the start, at 0: a rate over a
	// series that appears only at the first failure misleads alerts.
	for _, r := range []string{ResultOK, ResultFailed, ResultDead} {
		x.deliveries.WithLabelValues(r)
	}
	x.reg.MustRegister(x.deliveries, x.latency, newCollector(m, log))
	return x
}

// Registry returns the registry the metrics are on.
func (x *Metrics) Registry() *prometheus.Registry { return x.reg }

// Handler serves the metrics in the Prometheus text (or protobuf, as the
// scraper asks) format. A failing store read drops that metric from the
// scrape and is logged; the others are still served.
func (x *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(x.reg, promhttp.HandlerOpts{
		ErrorHandling:       promhttp.ContinueOnError,
		MaxRequestsInFlight: 4,
		Timeout:             ScrapeTimeout,
	})
}

// WebhookDelivered counts one webhook delivery attempt with its result
// (ResultOK, ResultFailed or ResultDead) and, for ok and failed, how long
// the POST took.
func (x *Metrics) WebhookDelivered(result string, took time.Duration) {
	x.deliveries.WithLabelValues(result).Inc()
	if result != ResultDead {
		x.latency.Observe(took.Seconds())
	}
}

// scrapeContext bounds one scrape's store reads.
func scrapeContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), ScrapeTimeout)
}
