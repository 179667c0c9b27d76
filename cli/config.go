package cli

import (
	"ratchat/chat"
	"ratchat/config"
	"ratchat/ui"
)

var configCommand = &command{
	brief: "print the effective configuration (defaults and config.toml)",
	name:  "config",
	summary: "Print the configuration in effect as TOML: the defaults merged with the configuration\n" +
		"file ($XDG_CONFIG_HOME/ratchat/config.toml, or --config FILE). Copy what you want to change\n" +
		"into the file. A file with an unknown key or a wrong value is reported with its line.",
	example: "ratchat config > ~/.config/ratchat/config.toml",
	nargs:   [2]int{0, 0},
	run: func(c *cli, _ []string) error {
		cfg, err := c.config()
		if err != nil {
			return err
		}
		out, err := config.Encode(cfg)
		if err != nil {
			return err
		}
		_, err = c.stdout.Write(out)
		return err
	},
}

// config reads the configuration file (--config, or the default one, which
// may be missing) onto the defaults and the interface's key bindings.
func (c *cli) config() (config.Config, error) {
	base := config.Default()
	base.Keys = ui.DefaultKeyMap().Names()
	path, named := c.g.config, c.g.config != ""
	if !named {
		var err error
		if path, err = config.Path(); err != nil {
			return base, nil // no home folder: no file to read
		}
	}
	return config.Load(path, base, named)
}

// privacy is what the configuration says the messenger tells contacts.
func privacy(cfg config.Config) chat.Privacy {
	return chat.Privacy{NoReadReceipts: !cfg.Receipts.Send, NoTyping: !cfg.Typing.Send}
}

// withPrivacy makes the profile's messenger follow the configuration.
func withPrivacy(p chat.Profile, cfg config.Config) chat.Profile {
	prev := p.Config
	p.Config = func(mc *chat.Config) {
		if prev != nil {
			prev(mc)
		}
		mc.Privacy = privacy(cfg)
	}
	return p
}
