package chat

import "ratchat/store"

// Online reports whether a contact's home answered recently. (Until the
// presence prober lands, nothing is known to be online.)
func (m *Messenger) Online(id store.ContactID) bool { return false }
