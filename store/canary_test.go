package store

import (
	"bytes"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf16"

	"ratchat/keys"
)

// encodings returns s as UTF-8, UTF-16LE, UTF-16BE, and lower- and
// upper-case hex of its UTF-8 bytes: the forms a careless store could
// leave it in.
func encodings(s string) map[string][]byte {
	le, be := new(bytes.Buffer), new(bytes.Buffer)
	for _, u := range utf16.Encode([]rune(s)) {
		le.Write([]byte{byte(u), byte(u >> 8)})
		be.Write([]byte{byte(u >> 8), byte(u)})
	}
	h := hex.EncodeToString([]byte(s))
	return map[string][]byte{
		"utf-8": []byte(s), "utf-16le": le.Bytes(), "utf-16be": be.Bytes(),
		"hex": []byte(h), "HEX": bytes.ToUpper([]byte(h)),
	}
}

// profileFiles returns the contents of the database, -wal and -shm files
// that exist in dir.
func profileFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, name := range []string{dbFileName, dbFileName + "-wal", dbFileName + "-shm"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		out[name] = b
	}
	return out
}

// findIn returns "file/encoding" for every form of needle found in files.
func findIn(files map[string][]byte, needles map[string][]byte) []string {
	var hits []string
	for fname, b := range files {
		for enc, n := range needles {
			if bytes.Contains(b, n) {
				hits = append(hits, fname+"/"+enc)
			}
		}
	}
	return hits
}

// writeSecrets stores canary everywhere a person or a message can appear,
// and returns the identity key pair it stored.
func writeSecrets(t *testing.T, s *Store, canary string) keys.KeyPair {
	t.Helper()
	kp, err := keys.GenerateKeyPair(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.SetIdentity(bg, kp))
	must(s.SetDisplayName(bg, "me "+canary))
	must(s.SetHomeAddress(bg, canary+".home.example:7000"))
	must(s.SetSetting(bg, "note "+canary, canary))
	bob, err := s.AddContact(bg, Contact{Identity: testKey(t, 1), Name: "Bob " + canary, Address: canary + ".example:7000"})
	must(err)
	must(s.ChangeIdentity(bg, bob, testKey(t, 2)))
	var batch []Message
	for i := range 20 {
		m := testMessage(bob, i)
		m.Body = []byte("the secret is " + canary + " indeed")
		batch = append(batch, m)
	}
	seqs, err := s.InsertMessages(bg, batch)
	must(err)
	m := testMessage(bob, 100)
	m.Body = []byte(canary)
	_, _, err = s.CommitReceived(bg, Received{Message: m, Session: []byte("session " + canary)})
	must(err)
	_, err = s.PutAttachment(bg, Attachment{Message: seqs[0], Name: canary + ".txt", MIME: "text/plain", Data: []byte(canary)})
	must(err)
	_, err = s.Enqueue(bg, OutboxItem{Contact: bob, Payload: []byte(canary)})
	must(err)
	must(s.PutPreKey(bg, PreKeyRef{KindOneTimePreKey, 1}, []byte(canary)))
	writeGroupSecrets(t, s, bob, canary)
	return kp
}

// writeGroupSecrets stores canary everywhere a group can hold it: its id
// and name, its state and history, sender keys, a message with its
// sender and a member's reaction, member statuses.
func writeGroupSecrets(t *testing.T, s *Store, bob ContactID, canary string) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var gid GroupID
	copy(gid[:], canary)
	g, err := s.AddGroup(bg, gid, "group "+canary, StateContact)
	must(err)
	must(s.SaveGroupState(bg, g, 1, []byte("state "+canary)))
	must(s.SaveGroupState(bg, g, 2, []byte("state 2 "+canary)))
	must(s.SaveSenderKey(bg, g, bob, []byte("bob's key "+canary)))
	m := testMessage(g, 1)
	m.Direction, m.Status, m.Body = Outgoing, StatusQueued, []byte(canary)
	m.Reactions = []Reaction{{From: Incoming, Member: bob, Emoji: canary[:min(len(canary), MaxEmojiSize)]}}
	_, err = s.CommitGroupSent(bg, GroupSent{Message: m, SenderKey: []byte("our key " + canary),
		Deliveries: []GroupDelivery{{Member: bob, Payload: []byte(canary)}}})
	must(err)
	_, _, err = s.SetMemberStatus(bg, g, m.ID, bob, StatusRead)
	must(err)
}

// writeControl writes control in every encoding into a raw, unencrypted
// table of the same database, through a separate SQLite connection.
func writeControl(t *testing.T, dir, control string) {
	t.Helper()
	db, err := sql.Open("sqlite", dsn(dbPath(dir)))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE control (v BLOB)`); err != nil {
		t.Fatal(err)
	}
	for _, b := range encodings(control) {
		if _, err := db.Exec(`INSERT INTO control (v) VALUES (?)`, b); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCanary stores a unique canary in every field, then scans the
// database, -wal and -shm byte by byte, while open and after closing, for
// the canary in every encoding and for the identity private key. A control
// string written in clear into the same files must be found, so the scan is
// known to work.
func TestCanary(t *testing.T) {
	canary := "canary-" + rand.Text()
	control := "control-" + rand.Text()
	s, dir := newTestStore(t)
	kp := writeSecrets(t, s, canary)
	writeControl(t, dir, control)
	needles := encodings(canary)
	needles["private key"] = kp.Private[:]
	needles["private key hex"] = []byte(hex.EncodeToString(kp.Private[:]))

	check := func(when string) {
		files := profileFiles(t, dir)
		if hits := findIn(files, needles); len(hits) != 0 {
			t.Errorf("%s: secrets found on disk: %v", when, hits)
		}
		all := map[string][]byte{"all": bytes.Join([][]byte{files[dbFileName], files[dbFileName+"-wal"]}, nil)}
		if hits := findIn(all, encodings(control)); len(hits) != len(encodings(control)) {
			t.Fatalf("%s: control found only as %v: the scan is blind", when, hits)
		}
	}
	if _, ok := profileFiles(t, dir)[dbFileName+"-wal"]; !ok {
		t.Fatal("no WAL while open")
	}
	check("while open")
	s.Close()
	check("after close")
}

// TestCanaryWithoutEncryption runs the same writes through plainCrypter:
// the canary must then be found, or TestCanary proves nothing.
func TestCanaryWithoutEncryption(t *testing.T) {
	canary := "canary-" + rand.Text()
	s, dir := newTestStore(t)
	s.c = plainCrypter{}
	writeSecrets(t, s, canary)
	s.Close()
	if hits := findIn(profileFiles(t, dir), map[string][]byte{"utf-8": []byte(canary)}); len(hits) == 0 {
		t.Fatal("canary not found without encryption: the canary test cannot fail")
	}
}

// TestSecureDeleteExpired checks that an expired message's ciphertext is
// overwritten, not left in a free page or the WAL.
func TestSecureDeleteExpired(t *testing.T) {
	s, dir := newTestStore(t)
	bob := addTestContact(t, s, 1, "bob")
	m := testMessage(bob, 1)
	m.Body = bytes.Repeat([]byte("x"), 3000)
	m.Expires = s.now().Add(-1)
	seq, _, err := s.InsertMessage(bg, m)
	if err != nil {
		t.Fatal(err)
	}
	var ct []byte
	if err := s.db.QueryRow(`SELECT record FROM messages WHERE id = ?`, seq).Scan(&ct); err != nil {
		t.Fatal(err)
	}
	if n, err := s.ExpireDue(bg); err != nil || n != 1 {
		t.Fatalf("ExpireDue = %d, %v", n, err)
	}
	needle := map[string][]byte{"ciphertext": ct[len(ct)-64:]}
	if hits := findIn(profileFiles(t, dir), needle); len(hits) != 0 {
		t.Fatalf("expired ciphertext still on disk: %v", hits)
	}
}
