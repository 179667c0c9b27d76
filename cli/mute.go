package cli

import (
	"context"
	"time"

	"ratchat/api"
	"ratchat/chat"
)

var muteCommand = &command{
	brief: "mute a contact's notifications",
	name:  "mute",
	args:  "CONTACT 1h|8h|1w|always|off",
	summary: "Mute CONTACT's notifications (no bell, no desktop notification) for an hour, eight hours,\n" +
		"a week or always; off unmutes. Its messages still arrive and count as unread.",
	example: "ratchat mute Bob 8h",
	nargs:   [2]int{2, 2},
	run: func(c *cli, args []string) error {
		if _, err := chat.ParseMute(args[1], time.Now()); err != nil {
			return usagef("%v", err)
		}
		return c.withAPI(func(rpc caller) error {
			var r api.MuteResult
			if err := rpc.Call(context.Background(), "mute", api.MuteParams{Contact: args[0], For: args[1]}, &r); err != nil {
				return err
			}
			switch {
			case r.Until.IsZero():
				c.printf("%d: notifications on\n", r.ID)
			case r.Until.Equal(chat.MuteForever):
				c.printf("%d: muted\n", r.ID)
			default:
				c.printf("%d: muted until %s\n", r.ID, r.Until.Local().Format("2006-01-02 15:04"))
			}
			return nil
		})
	},
}
