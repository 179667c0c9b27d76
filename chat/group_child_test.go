package chat

import (
	"bufio"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"ratchat/keys"
	"ratchat/store"
	"ratchat/transport"
)

// A big group: its creator (the owner) in the test's process, its other
// members in child processes that run this test binary again
// (TestGroupMemberChild), each hosting a share of them on one loopback
// relay. Children talk to the test over pipes: they print one line per
// event ("invite IDX INVITE", "accepted IDX", "joined IDX", "got IDX
// TEXT") and stop at the end of their stdin.

// The environment that turns the test binary into a member child.
const (
	envMemberRelay = "RATCHAT_TEST_GROUP_RELAY" // the relay's address
	envMemberFirst = "RATCHAT_TEST_GROUP_FIRST" // the index of the child's first member
	envMemberCount = "RATCHAT_TEST_GROUP_COUNT" // how many members it hosts
	envMemberOwner = "RATCHAT_TEST_GROUP_OWNER" // the owner's identity key, hex
)

// bigWait bounds each step of a big group's setup, and each message's
// wait for its last member.
const bigWait = 3 * time.Minute

// TestGroupMemberChild is not a test: it is a process of group members
// for the big group tests, run as a child of them. Each member accepts
// the owner's request, and reports its invite, its joining the group and
// every group text it reads.
func TestGroupMemberChild(t *testing.T) {
	relay := os.Getenv(envMemberRelay)
	if relay == "" {
		t.Skip("runs only as a child process of TestGroupScale256 and BenchmarkGroupRelay256")
	}
	first, err1 := strconv.Atoi(os.Getenv(envMemberFirst))
	count, err2 := strconv.Atoi(os.Getenv(envMemberCount))
	raw, err3 := hex.DecodeString(os.Getenv(envMemberOwner))
	owner, err4 := keys.NewPublicKey(raw)
	if err := firstErr(err1, err2, err3, err4); err != nil {
		fmt.Printf("error bad environment: %v\n", err)
		t.Fatal(err)
	}
	out := &childOut{w: os.Stdout}
	for i := range count {
		idx := first + i
		p := newProfile(t, fmt.Sprintf("m%d", idx), relay)
		go serveMember(p.m, idx, owner, out)
		out.printf("invite %d %s", idx, p.invite())
	}
	// Until the test closes our stdin; the members stop in the cleanups.
	io.Copy(io.Discard, os.Stdin)
}

// serveMember reads member idx's events until its messenger closes.
func serveMember(m *Messenger, idx int, owner keys.PublicKey, out *childOut) {
	ctx := context.Background()
	accepted, joined := false, false
	for e := range m.Events() {
		switch e := e.(type) {
		case ContactChanged:
			c := e.Contact
			if accepted || c.Identity != owner || c.State != store.StateRequest || c.Name == "" {
				continue
			}
			if err := m.Accept(ctx, c.ID); err != nil {
				out.printf("error %d accepting the owner: %v", idx, err)
				continue
			}
			accepted = true
			out.printf("accepted %d", idx)
		case GroupChanged:
			if !joined {
				joined = true
				out.printf("joined %d", idx)
			}
		case MessageReceived:
			if e.Message.Sender != 0 {
				out.printf("got %d %s", idx, e.Message.Body)
			}
		}
	}
}

// firstErr returns the first error that is not nil.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// childOut writes whole lines to the test, one at a time.
type childOut struct {
	mu sync.Mutex
	w  io.Writer
}

func (o *childOut) printf(format string, args ...any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	fmt.Fprintf(o.w, format+"\n", args...)
}

// memberProcs are the child processes hosting a big group's members.
type memberProcs struct {
	cmds  []*exec.Cmd
	ins   []io.WriteCloser
	lines chan []string // the fields of each line of every child
	done  chan struct{}
}

// startMemberProcs starts children hosting members first to
// first+count-1, perProc each, on relay; owner is the group's creator.
func startMemberProcs(tb testing.TB, relay string, owner keys.PublicKey, first, count, perProc int) *memberProcs {
	tb.Helper()
	mp := &memberProcs{lines: make(chan []string, 8*count), done: make(chan struct{})}
	tb.Cleanup(mp.close)
	for start := first; start < first+count; start += perProc {
		cmd := exec.Command(os.Args[0], "-test.run=^TestGroupMemberChild$", "-test.count=1", "-test.timeout=0")
		cmd.Env = append(os.Environ(),
			envMemberRelay+"="+relay,
			envMemberFirst+"="+strconv.Itoa(start),
			envMemberCount+"="+strconv.Itoa(min(perProc, first+count-start)),
			envMemberOwner+"="+hex.EncodeToString(owner[:]))
		cmd.Stderr = os.Stderr
		in, err := cmd.StdinPipe()
		if err != nil {
			tb.Fatal(err)
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			tb.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			tb.Fatal(err)
		}
		mp.cmds, mp.ins = append(mp.cmds, cmd), append(mp.ins, in)
		go mp.read(out)
	}
	return mp
}

// read passes a child's lines on until it ends or the test is over.
func (mp *memberProcs) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		select {
		case mp.lines <- f:
		case <-mp.done:
			io.Copy(io.Discard, r)
			return
		}
	}
}

// next returns the fields of the next line a child printed. A child's
// error fails the test.
func (mp *memberProcs) next(tb testing.TB, what string) []string {
	tb.Helper()
	select {
	case f := <-mp.lines:
		if f[0] == "error" || f[0] == "---" {
			tb.Fatalf("a member child: %s", strings.Join(f, " "))
		}
		return f
	case <-time.After(bigWait):
		tb.Fatalf("no word from the member children within %v, waiting for %s", bigWait, what)
		return nil
	}
}

// peakRSS returns the peak resident memory (VmHWM, Linux) of this
// process and of each child, in MiB; nil where /proc does not say.
func (mp *memberProcs) peakRSS() []int {
	pids := []int{os.Getpid()}
	for _, cmd := range mp.cmds {
		pids = append(pids, cmd.Process.Pid)
	}
	var out []int
	for _, pid := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			return nil
		}
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) == 3 && f[0] == "VmHWM:" {
				kb, _ := strconv.Atoi(f[1])
				out = append(out, kb>>10)
			}
		}
	}
	return out
}

// close ends the children: the end of their stdin stops them; any still
// running after a while is killed.
func (mp *memberProcs) close() {
	close(mp.done)
	for _, in := range mp.ins {
		in.Close()
	}
	for _, cmd := range mp.cmds {
		t := time.AfterFunc(time.Minute, func() { cmd.Process.Kill() })
		cmd.Wait()
		t.Stop()
	}
}

// startOpenRelay starts a relay on loopback whose per-address limits
// (made for the public, where every client has an address of its own)
// do not apply: every member of a big group connects from 127.0.0.1.
func startOpenRelay(tb testing.TB) string {
	tb.Helper()
	const many = 1 << 20
	srv, err := transport.NewServer(transport.Config{Mode: transport.RelayMode, DataDir: tb.TempDir(), Limits: transport.Limits{
		MaxConns: 16384, MaxConnsPerAddr: 16384,
		RegisterBurst: many, DepositBurst: many, BundleBurst: many,
	}})
	if err != nil {
		tb.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		tb.Fatal(err)
	}
	go srv.Serve(l)
	tb.Cleanup(func() { srv.Close() })
	return l.Addr().String()
}

// bigGroup is a group of members profiles: its owner here, the others in
// child processes.
type bigGroup struct {
	owner   *profile
	conv    store.ContactID
	procs   *memberProcs
	members int
}

// startBigGroup makes a group of members on one loopback relay, its
// owner in this process and perProc members in each child: the owner
// adds each by its invite, each accepts, and the owner creates the group
// once all have; it returns when every member has joined.
func startBigGroup(tb testing.TB, members, perProc int) *bigGroup {
	tb.Helper()
	ctx := context.Background()
	relay := startOpenRelay(tb)
	owner := newProfile(tb, "owner", relay)
	began := time.Now()
	procs := startMemberProcs(tb, relay, owner.m.Identity(), 1, members-1, perProc)
	ids := make([]store.ContactID, 0, members-1)
	accepted := 0
	for len(ids) < members-1 || accepted < members-1 {
		f := procs.next(tb, fmt.Sprintf("invites and acceptances (%d and %d so far)", len(ids), accepted))
		switch {
		case f[0] == "invite" && len(f) == 3:
			c, err := owner.m.AddContact(ctx, f[2], "m"+f[1])
			if err != nil {
				tb.Fatalf("adding member %s: %v", f[1], err)
			}
			ids = append(ids, c.ID)
		case f[0] == "accepted":
			accepted++
		}
	}
	added := time.Since(began)
	info, err := owner.m.CreateGroup(ctx, "big", ids)
	if err != nil {
		tb.Fatal(err)
	}
	for joined := 0; joined < members-1; {
		if f := procs.next(tb, fmt.Sprintf("members joining (%d so far)", joined)); f[0] == "joined" {
			joined++
		}
	}
	tb.Logf("%d members: profiles made, added and accepted in %v, group joined by all %v later",
		members, added.Round(time.Millisecond), (time.Since(began) - added).Round(time.Millisecond))
	return &bigGroup{owner: owner, conv: info.Conversation, procs: procs, members: members}
}

// send sends text (no spaces) to the group and returns the time until
// the last member read it, and the time until the owner's outbox had
// deposited every member's envelope at the relay (the row's summary
// status reached sent). Each member must read it once, and nothing else
// meanwhile.
func (g *bigGroup) send(tb testing.TB, text string) (last, deposited time.Duration) {
	tb.Helper()
	start := time.Now()
	msg, err := g.owner.m.Send(context.Background(), g.conv, text)
	if err != nil {
		tb.Fatal(err)
	}
	sent := make(chan time.Duration, 1)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case e := <-g.owner.m.Events():
				if s, ok := e.(StatusChanged); ok && s.ID == msg.ID && s.Status >= store.StatusSent {
					sent <- time.Since(start)
					return
				}
			case <-stop:
				return
			}
		}
	}()
	read := make(map[string]bool, g.members)
	for len(read) < g.members-1 {
		f := g.procs.next(tb, fmt.Sprintf("%q at every member (%d so far)", text, len(read)))
		if f[0] != "got" {
			continue
		}
		if len(f) != 3 || f[2] != text || read[f[1]] {
			tb.Fatalf("member %s read %q (again?) while %q was on its way", f[1], f[2:], text)
		}
		read[f[1]] = true
	}
	last = time.Since(start)
	select {
	case deposited = <-sent:
	case <-time.After(bigWait):
		tb.Fatalf("%q read by every member, and still not deposited for all of them", text)
	}
	return last, deposited
}
