package metrics

import (
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"ratchat/chat"
)

// collector reads the messenger's counters, its outbox depth and the event
// consumers' lag at each scrape.
type collector struct {
	m   *chat.Messenger
	log *slog.Logger

	messages, agreements, decryptFailures *prometheus.Desc
	outbox, lag                           *prometheus.Desc
}

var _ prometheus.Collector = (*collector)(nil)

func newCollector(m *chat.Messenger, log *slog.Logger) *collector {
	name := func(n string) string { return prometheus.BuildFQName(Namespace, "", n) }
	return &collector{
		m: m, log: log,
		messages: prometheus.NewDesc(name("messages_total"),
			"Messages received and stored (in), and written and committed for sending (out); a group message counts once.",
			[]string{"direction"}, nil),
		agreements: prometheus.NewDesc(name("key_agreements_total"),
			"Sessions started by us (PQXDH from a bundle) or by a peer's prekey message (started), and those that failed.",
			[]string{"result"}, nil),
		decryptFailures: prometheus.NewDesc(name("decrypt_failures_total"),
			"Messages (1:1 or group) that could not be decrypted; a redelivered duplicate is not one.", nil, nil),
		outbox: prometheus.NewDesc(name("outbox_depth"),
			"Items waiting in the outbox: messages, receipts and control messages no home has accepted yet.", nil, nil),
		lag: prometheus.NewDesc(name("event_lag"),
			"Events in the log past a consumer's acknowledged cursor (webhooks are consumers webhook:<id>).",
			[]string{"consumer"}, nil),
	}
}

// Describe sends the descriptions of the collector's metrics.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.messages, c.agreements, c.decryptFailures, c.outbox, c.lag} {
		ch <- d
	}
}

// Collect reads the current values. A store read that fails is logged
// and sent as an invalid metric, which the handler reports without failing
// the rest of the scrape.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	s := c.m.Counters()
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	counter(c.messages, s.MessagesIn, "in")
	counter(c.messages, s.MessagesOut, "out")
	counter(c.agreements, s.KeyAgreementsStarted, "started")
	counter(c.agreements, s.KeyAgreementsFailed, "failed")
	counter(c.decryptFailures, s.DecryptFailures)

	ctx, cancel := scrapeContext()
	defer cancel()
	if n, err := c.m.OutboxDepth(ctx); err != nil {
		c.log.Warn("metrics: outbox depth", "err", err)
		ch <- prometheus.NewInvalidMetric(c.outbox, err)
	} else {
		ch <- prometheus.MustNewConstMetric(c.outbox, prometheus.GaugeValue, float64(n))
	}
	lags, err := c.m.EventLag(ctx)
	if err != nil {
		c.log.Warn("metrics: event lag", "err", err)
		ch <- prometheus.NewInvalidMetric(c.lag, err)
		return
	}
	for name, n := range lags {
		ch <- prometheus.MustNewConstMetric(c.lag, prometheus.GaugeValue, float64(n), name)
	}
}
