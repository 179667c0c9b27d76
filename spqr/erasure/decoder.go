package erasure

import (
	"encoding/binary"
	"slices"
)

// point is one received value of a lane's polynomial: f(x) = y.
type point struct {
	x, y gf
}

// Decoder rebuilds one message of a known length from its chunks, given in
// any order, with losses and duplicates. Its memory is fixed when it is
// made: a lane keeps at most twice as many points as it has message
// elements, whatever chunks it is given, and the room for them is allocated
// up front.
type Decoder struct {
	length int
	// buf holds lane p's points in buf[start[p] : start[p]+count[p]],
	// sorted by x with distinct x; lane p has room up to start[p+1].
	buf   []point
	start [lanes + 1]int
	count [lanes]int
}

// NewDecoder returns a Decoder for a message of messageLen bytes. The length
// must be even and at most [MaxMessageLen]; otherwise the error wraps
// [ErrMessageLength].
func NewDecoder(messageLen int) (*Decoder, error) {
	if err := checkLen(messageLen); err != nil {
		return nil, err
	}
	d := &Decoder{length: messageLen}
	for p := range lanes {
		d.start[p+1] = d.start[p] + 2*d.need(p)
	}
	d.buf = make([]point, d.start[lanes])
	return d, nil
}

// MessageLen returns the length in bytes of the message being decoded.
func (d *Decoder) MessageLen() int {
	return d.length
}

// need returns how many points lane p needs: its number of elements.
func (d *Decoder) need(p int) int {
	return laneLen(d.length/2, p)
}

// lane returns lane p's points.
func (d *Decoder) lane(p int) []point {
	return d.buf[d.start[p] : d.start[p]+d.count[p]]
}

// Add takes in a chunk. A lane keeps the chunk's point if its position is
// below the lane's element count (it may spare an interpolation) or while
// the lane has fewer points than it needs; a point at a position the lane
// already has is ignored, so the first value for a position wins. This is
// Signal's rule, and it bounds a lane at twice its element count: at most
// that many positions lie below it, and at most that many points beyond it
// arrive while the lane is short.
func (d *Decoder) Add(c Chunk) {
	x := gf(c.Index)
	for p := range lanes {
		need, pts := d.need(p), d.lane(p)
		if int(x) >= need && len(pts) >= need {
			continue
		}
		i := len(pts) // chunks mostly come in increasing order: append
		if i > 0 && pts[i-1].x >= x {
			var found bool
			i, found = slices.BinarySearchFunc(pts, x, func(q point, x gf) int { return int(q.x) - int(x) })
			if found {
				continue
			}
		}
		room := d.buf[d.start[p]:d.start[p+1]]
		copy(room[i+1:len(pts)+1], pts[i:])
		room[i] = point{x, gf(binary.BigEndian.Uint16(c.Data[2*p:]))}
		d.count[p]++
	}
}

// Message returns the rebuilt message and true once every lane has as many
// points as it has elements; before that it returns nil and false. Each
// call rebuilds the message afresh into a new slice.
func (d *Decoder) Message() ([]byte, bool) {
	for p := range lanes {
		if d.count[p] < d.need(p) {
			return nil, false
		}
	}
	out := make([]byte, d.length)
	var done [lanes]bool
	for p := range lanes {
		if done[p] || d.need(p) == 0 {
			continue
		}
		group := d.sameNodes(p, &done)
		d.decodeGroup(group, out)
	}
	return out, true
}

// nodes returns the points lane p interpolates through: its need(p) points
// of lowest position.
func (d *Decoder) nodes(p int) []point {
	return d.lane(p)[:d.need(p)]
}

// sameNodes returns lane p and the later lanes not yet done that
// interpolate through the same positions, and marks them done. With honest
// chunks every lane of the same length shares its positions, so they share
// one Lagrange basis.
func (d *Decoder) sameNodes(p int, done *[lanes]bool) []int {
	group := []int{p}
	done[p] = true
	np := d.nodes(p)
	for q := p + 1; q < lanes; q++ {
		nq := d.nodes(q)
		if done[q] || len(nq) != len(np) {
			continue
		}
		same := true
		for k := range np {
			if np[k].x != nq[k].x {
				same = false
				break
			}
		}
		if same {
			group = append(group, q)
			done[q] = true
		}
	}
	return group
}

// decodeGroup writes the elements of the lanes in group, which share their
// positions, into out: each from the lane's point at its position when there
// is one, and otherwise from the polynomial through the lane's nodes. (A
// point at a position below the element count is always among the nodes,
// since the nodes are the points of lowest position.)
func (d *Decoder) decodeGroup(group []int, out []byte) {
	nodes := d.nodes(group[0])
	need := len(nodes)
	put := func(p, j int, y gf) {
		binary.BigEndian.PutUint16(out[2*(lanes*j+p):], uint16(y))
	}
	var xs [maxLaneLen]gf
	var missing []int
	k := 0
	for j := range need {
		for k < need && int(nodes[k].x) < j {
			k++
		}
		if k < need && int(nodes[k].x) == j {
			for _, p := range group {
				put(p, j, d.lane(p)[k].y)
			}
		} else {
			missing = append(missing, j)
		}
	}
	if len(missing) == 0 {
		return
	}
	for i, q := range nodes {
		xs[i] = q.x
	}
	logs := make([]int32, need*(len(group)+2))
	logW, basis, logY := logs[:need], logs[need:2*need], logs[2*need:]
	logWeights(xs[:need], logW)
	for g, p := range group {
		for i, q := range d.nodes(p) {
			logY[g*need+i] = logOf(q.y)
		}
	}
	for _, j := range missing {
		logBasis(xs[:need], logW, gf(j), basis)
		for g, p := range group {
			put(p, j, combine(basis, logY[g*need:(g+1)*need]))
		}
	}
}
