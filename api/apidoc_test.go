package api

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"ratchat/chat"
)

// updateAPIDoc rewrites docs/API.md's generated sections from the code.
var updateAPIDoc = flag.Bool("update-api-doc", false, "rewrite docs/API.md's generated sections (methods, error codes)")

// apiDocPath is the api's reference, from this package's folder.
const apiDocPath = "../docs/API.md"

// methodsDoc is the methods section of docs/API.md, made from the method
// table: name, least role, params (! marks the required) and summary.
func methodsDoc() string {
	var b strings.Builder
	b.WriteString("| method | least role | params (`!` required) | what it does |\n| --- | --- | --- | --- |\n")
	for _, m := range methods {
		params := schemaOf(reflect.TypeOf(m.params).Elem())
		var ps []string
		for _, name := range params.order {
			mark := ""
			if contains(params.Required, name) {
				mark = "!"
			}
			ps = append(ps, fmt.Sprintf("`%s`%s %s", name, mark, params.Properties[name].Type))
		}
		if len(ps) == 0 {
			ps = []string{"none"}
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", m.name, least(m.name), strings.Join(ps, ", "),
			strings.ReplaceAll(m.summary, "|", "\\|"))
	}
	return b.String()
}

// codesDoc is the error codes section: each code, its name in
// error.data.name, and the error behind it.
func codesDoc() string {
	var b strings.Builder
	b.WriteString("| code | `data.name` | the error behind it |\n| --- | --- | --- |\n")
	for _, c := range causes {
		fmt.Fprintf(&b, "| %d | `%s` | %s |\n", c.code, c.name, strings.ReplaceAll(c.err.Error(), "|", "\\|"))
	}
	return b.String()
}

// generatedSections are docs/API.md's parts made from the code, each
// between "<!-- generated: NAME -->" and "<!-- end: NAME -->".
var generatedSections = []struct {
	name string
	make func() string
}{{"methods", methodsDoc}, {"codes", codesDoc}}

// TestAPIDoc: docs/API.md's method and error code tables are those the
// code makes (run `go test ./api -run TestAPIDoc -update-api-doc` after
// changing a method or a code), and the document names every event type
// and every header the api and its webhooks use.
func TestAPIDoc(t *testing.T) {
	doc, err := os.ReadFile(apiDocPath)
	if err != nil {
		t.Fatal(err)
	}
	out := doc
	for _, s := range generatedSections {
		begin, end := []byte("<!-- generated: "+s.name+" -->\n"), []byte("<!-- end: "+s.name+" -->")
		i, j := bytes.Index(out, begin), bytes.Index(out, end)
		if i < 0 || j < i {
			t.Fatalf("docs/API.md has no section %q between %q and %q", s.name, begin, end)
		}
		out = append(append(append([]byte{}, out[:i+len(begin)]...), s.make()...), out[j:]...)
	}
	if *updateAPIDoc {
		if err := os.WriteFile(apiDocPath, out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(out, doc) {
		t.Errorf("docs/API.md's generated tables differ from the code: run go test ./api -run TestAPIDoc -update-api-doc")
	}
	for _, name := range chat.EventTypes {
		if !bytes.Contains(doc, []byte("`"+name+"`")) {
			t.Errorf("docs/API.md does not document the event type %q", name)
		}
	}
	for _, h := range []string{"Authorization", "X-Ratchat-Event-Id", "X-Ratchat-Timestamp", "X-Ratchat-Signature", "Last-Event-ID"} {
		if !bytes.Contains(doc, []byte("`"+h)) {
			t.Errorf("docs/API.md does not document the header %s", h)
		}
	}
}
