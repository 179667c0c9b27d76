package api

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"ratchat/chat"
)

// MaxAuditEntries bounds audit.log's n.
const MaxAuditEntries = 100_000

// ArchiveEnableParams turn the archive on; Retention ("7y", "90d",
// "2160h") changes how long it keeps records (default: unchanged, or 7
// years).
type ArchiveEnableParams struct {
	Retention string `json:"retention,omitempty"`
}

// ArchiveStatusParams are the params of archive.status: none.
type ArchiveStatusParams struct{}

// ArchiveStatus is the archive's state: Records is the head's seq (every
// record ever appended), First the first kept, Retention in
// FormatRetention's form.
type ArchiveStatus struct {
	Enabled    bool      `json:"enabled"`
	Dir        string    `json:"dir"`
	Records    uint64    `json:"records"`
	First      uint64    `json:"first"`
	Segments   int       `json:"segments"`
	Bytes      int64     `json:"bytes"`
	Queued     int       `json:"queued"`
	Retention  string    `json:"retention"`
	Hold       bool      `json:"hold"`
	HoldReason string    `json:"hold_reason,omitempty"`
	HoldSince  time.Time `json:"hold_since,omitzero"`
}

// ArchiveVerifyParams are the params of archive.verify: none.
type ArchiveVerifyParams struct{}

// ArchiveVerifyResult is archive.verify's answer when the archive
// verifies (a failure is error 41, whose data names the record).
type ArchiveVerifyResult struct {
	OK      bool   `json:"ok"`
	Records uint64 `json:"records"`
}

// ArchiveExportParams name the WARC file to write (an absolute path on
// the server's machine, created 0600, never over an existing file) and,
// optionally, the oldest time to export (RFC 3339).
type ArchiveExportParams struct {
	Path  string `json:"path"`
	Since string `json:"since,omitempty"`
}

// ArchiveExportResult says how many records were written.
type ArchiveExportResult struct {
	Records int    `json:"records"`
	Path    string `json:"path"`
	Warning string `json:"warning"`
}

// ArchiveHoldParams turn the legal hold on (with a reason) or off.
type ArchiveHoldParams struct {
	On     bool   `json:"on"`
	Reason string `json:"reason,omitempty"`
}

// AuditLogParams ask for the newest n entries (default 100) and, with
// verify, for the chain to be checked first (a failure is error 42).
type AuditLogParams struct {
	N      int  `json:"n,omitempty"`
	Verify bool `json:"verify,omitempty"`
}

// AuditLogResult lists the entries, oldest first.
type AuditLogResult struct {
	Entries  []chat.AuditRecord `json:"entries"`
	Verified bool               `json:"verified,omitempty"`
}

// actorOf names the caller in the audit log: "owner", the agent's name,
// or "token:ID".
func actorOf(ctx context.Context) string {
	c := CallerFrom(ctx)
	switch {
	case c.Role == RoleOwner:
		return "owner"
	case c.Agent != "":
		return "agent:" + c.Agent
	}
	return fmt.Sprintf("token:%d", c.Token)
}

// archiveEnable turns the archive on.
func archiveEnable(ctx context.Context, m *chat.Messenger, p ArchiveEnableParams) (ArchiveStatus, error) {
	var d time.Duration
	if p.Retention != "" {
		var err error
		if d, err = chat.ParseRetention(p.Retention); err != nil {
			return ArchiveStatus{}, err
		}
	}
	if err := m.EnableArchive(ctx, d, actorOf(ctx)); err != nil {
		return ArchiveStatus{}, err
	}
	return archiveStatus(ctx, m, ArchiveStatusParams{})
}

// archiveStatus reports the archive's state.
func archiveStatus(ctx context.Context, m *chat.Messenger, _ ArchiveStatusParams) (ArchiveStatus, error) {
	s, err := m.ArchiveStatus(ctx)
	if err != nil {
		return ArchiveStatus{}, err
	}
	return ArchiveStatus{Enabled: s.Enabled, Dir: s.Dir, Records: s.Records, First: s.First, Segments: s.Segments,
		Bytes: s.Bytes, Queued: s.Queued, Retention: chat.FormatRetention(s.Retention),
		Hold: s.Hold, HoldReason: s.HoldReason, HoldSince: s.HoldSince}, nil
}

// archiveVerify checks the archive's chain.
func archiveVerify(ctx context.Context, m *chat.Messenger, _ ArchiveVerifyParams) (ArchiveVerifyResult, error) {
	if err := m.VerifyArchive(ctx); err != nil {
		return ArchiveVerifyResult{}, err
	}
	s, err := m.ArchiveStatus(ctx)
	return ArchiveVerifyResult{OK: err == nil, Records: s.Records}, err
}

// archiveExport writes the archive as WARC to a new file.
func archiveExport(ctx context.Context, m *chat.Messenger, p ArchiveExportParams) (ArchiveExportResult, error) {
	if !filepath.IsAbs(p.Path) {
		return ArchiveExportResult{}, errorf(CodeInvalidParams, "api: invalid params: path must be absolute")
	}
	var since time.Time
	if p.Since != "" {
		var err error
		if since, err = time.Parse(time.RFC3339, p.Since); err != nil {
			return ArchiveExportResult{}, errorf(CodeInvalidParams, "api: invalid params: since is no RFC 3339 time")
		}
	}
	f, err := os.OpenFile(p.Path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return ArchiveExportResult{}, err
	}
	n, err := m.ExportArchiveWARC(ctx, f, since, actorOf(ctx))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(p.Path)
		return ArchiveExportResult{}, err
	}
	return ArchiveExportResult{Records: n, Path: p.Path, Warning: chat.ExportWarning}, nil
}

// archiveHold turns the legal hold on or off.
func archiveHold(ctx context.Context, m *chat.Messenger, p ArchiveHoldParams) (ArchiveStatus, error) {
	if err := m.SetArchiveHold(ctx, p.On, p.Reason, actorOf(ctx)); err != nil {
		return ArchiveStatus{}, err
	}
	return archiveStatus(ctx, m, ArchiveStatusParams{})
}

// auditLog returns the audit log, verified first if asked.
func auditLog(ctx context.Context, m *chat.Messenger, p AuditLogParams) (AuditLogResult, error) {
	if p.N < 0 || p.N > MaxAuditEntries {
		return AuditLogResult{}, errorf(CodeInvalidParams, "api: invalid params: n is 0 to %d", MaxAuditEntries)
	}
	if p.N == 0 {
		p.N = 100
	}
	var out AuditLogResult
	if p.Verify {
		if err := m.VerifyAudit(ctx); err != nil {
			return out, err
		}
		out.Verified = true
	}
	var err error
	if out.Entries, err = m.AuditLog(ctx, p.N); out.Entries == nil {
		out.Entries = []chat.AuditRecord{}
	}
	return out, err
}
