package archive

import (
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/nlnwa/gowarc/v3"
)

// WARC fields of our own on each exported record (WARC 1.1 allows
// extension fields).
const (
	WARCFieldSeq   = "Ratchat-Archive-Seq"   // the record's seq
	WARCFieldKind  = "Ratchat-Archive-Kind"  // the entry's Kind, named
	WARCFieldChain = "Ratchat-Archive-Chain" // the chain hash after it, hex
	// WARCContentType is each resource record's block.
	WARCContentType = "application/json"
)

// warcOptions build records strictly, with a SHA-256 block digest.
var warcOptions = []gowarc.WarcRecordOption{gowarc.WithStrictValidation(), gowarc.WithAddMissingDigest(true),
	gowarc.WithDefaultDigestAlgorithm("sha256")}

// TargetURI is the WARC-Target-URI of an entry: the conversation and the
// message row it is about.
func TargetURI(e Entry) string {
	return fmt.Sprintf("urn:ratchat:conversation:%d:message:%d", e.Conversation, e.Message)
}

// ExportWARC writes a warcinfo record (with info's lines as its fields),
// then one WARC 1.1 "resource" record per archive record whose Time is
// not before since: WARC-Date is the entry's Time, the block its Content
// (JSON), WARC-Record-ID a UUID URN made from the chain hash (the same
// record always gets the same id), and the fields above. It returns how
// many resource records it wrote. The output is plaintext.
func (a *Archive) ExportWARC(w io.Writer, since time.Time, info map[string]string) (int, error) {
	m := gowarc.NewMarshaler()
	if err := writeInfo(w, m, info, a.o.Now()); err != nil {
		return 0, err
	}
	n := 0
	err := a.Each(since, func(e Entry, hash [HashSize]byte) error {
		b := gowarc.NewRecordBuilder(gowarc.Resource, warcOptions...)
		b.AddWarcHeader(gowarc.WarcRecordID, "<"+uuidURN(hash)+">")
		b.AddWarcHeaderTime(gowarc.WarcDate, e.Time.UTC())
		b.AddWarcHeader(gowarc.WarcTargetURI, TargetURI(e))
		b.AddWarcHeader(gowarc.ContentType, WARCContentType)
		b.AddWarcHeader(WARCFieldSeq, strconv.FormatUint(e.Seq, 10))
		b.AddWarcHeader(WARCFieldKind, e.Kind.String())
		b.AddWarcHeader(WARCFieldChain, hex.EncodeToString(hash[:]))
		if _, err := b.Write(e.Content); err != nil {
			return fmt.Errorf("archive: warc: %w", err)
		}
		if err := marshal(w, m, b); err != nil {
			return err
		}
		n++
		return nil
	})
	return n, err
}

// writeInfo writes the warcinfo record.
func writeInfo(w io.Writer, m gowarc.Marshaler, info map[string]string, now time.Time) error {
	b := gowarc.NewRecordBuilder(gowarc.Warcinfo, warcOptions...)
	b.AddWarcHeaderTime(gowarc.WarcDate, now.UTC())
	b.AddWarcHeader(gowarc.ContentType, gowarc.ApplicationWarcFields)
	body := "format: WARC File Format 1.1\r\nsoftware: ratchat\r\n"
	for _, k := range slices.Sorted(maps.Keys(info)) {
		body += k + ": " + info[k] + "\r\n"
	}
	if _, err := b.WriteString(body); err != nil {
		return fmt.Errorf("archive: warc: %w", err)
	}
	return marshal(w, m, b)
}

// marshal builds a record and writes it.
func marshal(w io.Writer, m gowarc.Marshaler, b gowarc.WarcRecordBuilder) error {
	rec, _, err := b.Build()
	if err != nil {
		return fmt.Errorf("archive: warc: %w", err)
	}
	defer rec.Close()
	if _, _, err := m.Marshal(w, rec, 0); err != nil {
		return fmt.Errorf("archive: warc: %w", err)
	}
	return nil
}

// uuidURN is a version-4-shaped UUID URN made of the hash's first bytes.
func uuidURN(h [HashSize]byte) string {
	var u [16]byte
	copy(u[:], h[:16])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	x := hex.EncodeToString(u[:])
	return "urn:uuid:" + x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:]
}
