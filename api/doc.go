// Package api answers JSON-RPC 2.0 calls for the process that owns a
// profile, so that other commands, scripts and (later) businesses use the
// profile while the interface or `ratchat serve` runs.
//
// # Who owns a profile
//
// One process at a time opens a profile (it holds the store's lock). That
// process, and only it, listens on the Unix socket [SocketName] in the
// profile folder, mode 0600 in a 0700 folder: whoever can connect acts as
// the profile, so only its owner may. A socket left behind by a process
// that died is removed when the next owner listens; [Server.Close] removes
// it. [Dial] fails with [ErrNotRunning] when nobody listens, and the
// caller then opens the profile itself and calls the same methods
// in-process with [Server.Call]: either way the answers are the same.
//
// # Wire
//
// One JSON-RPC 2.0 request (or batch) per line, one response (or batch)
// per line, in order, on a connection; once the connection subscribed to
// events (events.subscribe, [Client.Subscribe]) each line is answered as
// it completes, and the server pushes notifications between answers. A
// line is at most [MaxRequestSize] bytes, a batch at most [MaxBatch]
// requests; a longer line is answered with [CodeTooLarge] and the
// connection closed. Params are objects, by name, with no unknown
// members. A connection idle for [Config].IdleTimeout (and not
// subscribed) is closed; at most [Config].MaxConns are served at
// once, and one more is answered with [CodeBusy].
//
// # Methods
//
//	contacts                             -> ContactsResult
//	messages      {contact, n}           -> MessagesResult
//	send          {contact, text, wait_seconds} -> SendResult
//	verify        {contact, code?}       -> VerifyResult
//	invite                               -> InviteResult
//	add           {invite, name?}        -> AddResult
//	backup.export {path}                 -> BackupExportResult
//	rpc.discover                         -> DiscoverResult (made from the method table)
//
// A contact is named by its id or its name, as on the command line. The
// params and results are the XxxParams and XxxResult types.
//
// # Errors
//
// A failed call returns an [Error] with a stable code (CodeNoContact,
// CodeAmbiguous, CodeCodeMismatch, CodeMalformedCode, CodeTimeout, ...,
// and JSON-RPC's own) and an [ErrorData] naming the cause in words. On the
// client, an [*Error] matches the cause's Go error with [errors.Is].
package api
