package api

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"

	"ratchat/chat"
)

// ExportParams name a chat (a contact's id or name), the format ("text"
// or "json") and, optionally, the file to write: an absolute path on the
// server's machine, created with mode 0600 and never over an existing
// file. Without a path the export is returned in the result.
type ExportParams struct {
	Contact string `json:"contact"`
	Format  string `json:"format"`
	Path    string `json:"path,omitempty"`
}

// ExportResult says how many rows were exported, and holds the export
// when no path was given. Warning says that the export is not encrypted.
type ExportResult struct {
	Rows    int    `json:"rows"`
	Path    string `json:"path,omitempty"`
	Content string `json:"content,omitempty"`
	Warning string `json:"warning"`
}

// export writes a chat as text or JSON.
func export(ctx context.Context, m *chat.Messenger, p ExportParams) (ExportResult, error) {
	if p.Path != "" && !filepath.IsAbs(p.Path) {
		return ExportResult{}, errorf(CodeInvalidParams, "api: invalid params: path must be absolute")
	}
	s, err := findChat(ctx, m, p.Contact)
	if err != nil {
		return ExportResult{}, err
	}
	out := ExportResult{Path: p.Path, Warning: chat.ExportWarning}
	if p.Path == "" {
		var b strings.Builder
		out.Rows, err = m.Export(ctx, s.Contact.ID, p.Format, &b)
		out.Content = b.String()
	} else {
		out.Rows, err = exportFile(ctx, m, s.Contact.ID, p.Format, p.Path)
	}
	if errors.Is(err, chat.ErrExportFormat) {
		return ExportResult{}, errorf(CodeInvalidParams, "api: invalid params: %v", err)
	}
	return out, err
}

// exportFile writes the export to a new file, readable by its owner only.
func exportFile(ctx context.Context, m *chat.Messenger, id chat.ContactID, format, path string) (int, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, err
	}
	n, err := m.Export(ctx, id, format, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return n, err
}
