// Package jetstream keeps a relay's mailboxes on NATS JetStream, so that
// any number of stateless relay front ends share them: the
// [mailbox.Backend] for relays beyond one machine (the SQLite
// [mailbox.Store] is the embedded default). [Open] connects a front end.
//
// # What is where
//
//   - Envelopes: one work-queue stream, RATCHAT_SEGMENTS, file storage,
//     [Config.Replicas], MaxAge = [Config.Retention], in segments
//     (segment.go): one stream message per group commit of a partition,
//     on seg.<partition>.s, its envelopes' bodies one after another and a
//     table of them (owner, quota, size, time received, lifetime, deposit
//     id) in a header. An envelope's id is its segment's stream sequence
//     times 256 plus its place in the table, so ids increase per owner
//     and are never reused. Acknowledgements of envelopes are ack
//     records, on seg.<partition>.a. Why segments and not a message per
//     envelope: JetStream's cost is per message (in R3, 277-310 µs of
//     NATS CPU an envelope as one message each; 82-90 at 8 to a
//     segment: BenchmarkNATSMapping, docs/BENCHMARKS.md).
//   - Mailboxes: an index in bucket ratchat_index, 32 shards per
//     partition (i.<partition>.<shard>), each listing its mailboxes
//     (owner, created, last seen, and the stream sequences of its token
//     and prekey records), changed by compare-and-set; each partition's
//     mailbox count (n.<partition>). The token and prekey records: stream
//     RATCHAT_RECORDS, on r.<partition>.<shard>. Why not a key per
//     mailbox: NATS keeps every subject of a stream in memory (index.go).
//     The home identity and the layout: bucket ratchat_keys. Partition
//     leases and front-end presence: bucket ratchat_leases, whose TTL is
//     the lease's.
//
// # Partitions
//
// Mailboxes are hashed into [Config.Partitions] partitions. Each is held
// by one front end at a time under a lease (a key created, renewed three
// times per TTL by revision, given up on Close, left to expire when a
// front end dies: another takes it within about a TTL). A front end
// renews all its leases at once, and a renewal left unanswered keeps the
// lease until it ends, as NATS does (lease.go). Front ends share the
// partitions evenly: each aims at its share of the live front ends' count
// and gives up any beyond; the requests already queued at a front end that
// gives a partition up are answered "not the holder", and asked again.
//
// The holder of a partition owns its consumer: a durable pull consumer
// filtered to seg.<partition>.*, explicit ack, headers only, no limit on
// pending acks, an ack wait longer than the retention. On taking a
// partition the holder deletes and recreates it, so that it is delivered
// every segment and ack record still stored, also those a dead holder
// had pulled; from the segments' tables it builds an index (id, owner,
// size, quota, time, place in its segment; no bodies), applies the ack
// records, and only then serves. The index makes quotas and acks exact:
//
//   - Deposits go to the holder (directly, or from another front end as a
//     request on rc.<partition>). Its one writer goroutine checks each
//     against the mailbox's and the token's quotas (the holder alone
//     enforces them: NATS sees one subject per partition), packs what it
//     has queued into one segment per partition (a deposit with a
//     lifetime alone, with the segment's Nats-TTL), publishes them all
//     asynchronously and waits for their acknowledgements together
//     (group commit), then answers each and offers it to its owner. A
//     deposit asked again (by a front end after its holder moved) is
//     answered with the first one's id while the index remembers it (two
//     minutes); a segment published again is one, by its Nats-Msg-Id.
//   - An Ack is written as an ack record in the writer's next group
//     commit, and answered once that is stored: a later holder, applying
//     the record, does not push those envelopes again. A segment left
//     with nothing is acknowledged to the consumer, which deletes it from
//     the work-queue stream, and so is an ack record once every segment
//     it names is gone. Expiry is written the same way.
//   - Catch-up reads ([Store.Pending]) ask the holder where the owner's
//     envelopes are, and read those segments with direct gets, which any
//     replica answers.
//   - Token changes go to the holder too, the one writer of the token
//     record it checks deposits against.
//
// What the index keeps of a mailbox (its tokens, its usage) stays while
// the mailbox holds envelopes; an empty mailbox's is forgotten once the
// front end keeps more than [Config.IdleMailboxes] and it went unused for
// a lease round, and read again from the index on its next deposit.
// A group commit reads the mailboxes its batch needs and the index lacks
// all at once, before checking: after partitions move, every mailbox of
// theirs is new to its holder.
// So a front end's memory follows the mailboxes in use and the envelopes
// stored, not all the mailboxes there are (BenchmarkRelayMailboxes in
// transport: 1,000 and 100,000 mailboxes, docs/BENCHMARKS.md).
//
// A request to a partition nobody serves (a holder dead, or starting)
// waits for the leases to change and is asked again; each try has its own
// timeout of two lease TTLs. A deposit asked again is stored once (above).
//
// Why one consumer per partition and not per mailbox or per connected
// owner: ../shared/relay-anchor measured the latter at 60-130 KB and an
// ack check per consumer, and 0.1-0.4× the SQLite relay. Nor is there a
// key or a subject per mailbox (index.go): NATS keeps nothing per
// mailbox in memory.
//
// Answers to acks and batched reads come back on one subscription per
// front end (replies.go), not one per call: nats.go gives each
// synchronous subscription a 512 KB channel, and a cluster spreads each
// subscription's interest to every node; that was a quarter of a front
// end's CPU. A work-queue
// stream requires its consumers to have the stream's replicas, so in a
// cluster each partition is a Raft group: hence 16 partitions by default,
// not thousands; any number of mailboxes share them.
//
// # Delivery across front ends
//
// An owner's pusher subscribes ([Store.Subscribe]) on the front end it
// is connected to, which subscribes to live.<owner> on core NATS. The
// holder offers each stored envelope to its own subscribers directly and
// publishes it on live.<owner> for the rest, in id order (plain NATS
// subjects: no JetStream state per owner). Why not route owners to the
// holder's front end: any front end can then serve any owner, behind any
// load balancer, and an owner's connection survives its partition moving.
//
// # Differences from the SQLite store
//
//   - Durability: "stored" means the stream acknowledged the envelope. In
//     a cluster (Replicas 3) that is on a quorum of nodes. A single node
//     writes to its file but fsyncs only every sync_interval (2 minutes
//     by default): for the SQLite store's guarantee across a power cut,
//     run it with sync_interval: always (docs/DEPLOY.md), at about half
//     the throughput (../shared/relay-anchor, variant b).
//   - Last seen: a visit writes it only when it is an hour old, since
//     each write rewrites the mailbox's index shard: expiry, after the
//     retention (days), may count a mailbox as last seen an hour early.
//   - MaxTotalBytes is checked against the partitions held here, exactly,
//     plus the others' bytes as their holders last announced them (each
//     lease round): several front ends may pass it by what they store in a
//     lease round. MaxMailboxes is checked against the sum of the
//     partitions' mailbox counts (n.<partition>), read again at most once
//     a second (one reader at a time; the others wait for its sum), so
//     registrations within that second, or at once on several front
//     ends, may pass it by their number. Nothing stored is dropped either way.
//   - Expire and ExpireMailboxes act on the partitions held by the front
//     end that runs them (every front end's home runs them); MaxAge
//     removes whatever is past the retention in any case.
//   - A live offer can be late or missed in a cluster, when the holder's
//     NATS node has not yet learnt of a subscription made a moment before
//     on another, or around a partition move (an offer older than the
//     last pushed is skipped by the pusher); and a catch-up read may miss
//     an envelope stored just after it whose offer came before the
//     subscription: the envelope stays stored,
//     and the home, which reads each connected owner's mailbox again every
//     [Config.ResyncEvery] ([mailbox.Resyncer]), pushes it then. Nothing
//     is lost, and nothing waits for the owner to reconnect.
//   - A Pending while an Ack of the same envelopes is being stored may
//     still return them (delivery is at-least-once in both stores;
//     clients drop duplicates by id).
//   - Storage: a segment stays until every envelope in it is
//     acknowledged, expired or past the retention, so one owner who does
//     not fetch keeps the segments of its envelopes (and the ack records
//     naming them) stored, with the others' acknowledged envelopes in
//     them. The holder's quotas count only what is not acknowledged.
//   - A segment whose publish went unanswered is answered "ask again";
//     if it was stored after all, and its deposits are asked again before
//     the consumer delivers it, they are stored twice (a rare duplicate,
//     which clients drop only if the ids agree: here they do not).
//   - Per-message TTL: a deposit with a lifetime (the wire's
//     TokenDepositTTL, for disappearing messages) is published with a
//     Nats-TTL header of its seconds, rounded up, in a segment of its own (the stream has
//     AllowMsgTTL), and NATS deletes it by itself once that has passed,
//     on its own clock and schedule (within about a second in our tests).
//     Nobody tells the holder, so its index keeps each such envelope's
//     expiry (time received plus the TTL) in a heap and drops those past
//     it when it answers Usage, checks a deposit against the quotas, or
//     runs Expire (which counts them), each a look at the heap's top when
//     nothing has passed; Pending skips an expired envelope NATS still
//     holds. Expiry is by the front ends' clocks, which should agree with
//     the NATS servers' (NTP): the SQLite store's [mailbox.Options].Now
//     has no counterpart here. A deposit with a lifetime goes to another
//     front end's holder as its own request op, which a front end from
//     before lifetimes refuses rather than misreads.
//   - The same envelope deposited twice within two minutes is stored once
//     and both deposits are answered with its id (in SQLite, twice), while
//     the holder's index remembers it (a new holder remembers what its
//     segments still hold): that is how a client's retry after its front
//     end died is not stored twice. Sealed envelopes are randomized, so
//     only a retry repeats one.
package jetstream
