package chat

import (
	"fmt"
	"strings"
	"unicode"
)

// Bounds of route rules.
const (
	// MaxRouteRules bounds the rules of one serve; MaxRouteWords the
	// words of one rule; MaxRouteWord the length of a word or skill.
	MaxRouteRules, MaxRouteWords, MaxRouteWord = 64, 64, 32
)

// RouteRule gives a conversation a skill when its first message holds one
// of the rule's words.
type RouteRule struct {
	Skill string
	Words []string // lower case
}

// ParseRouteRule reads a rule of `serve --route`: "skill=word,word,...".
// Skill and words are letters, digits, '-' and '_' (compared in lower
// case), each 1 to [MaxRouteWord] bytes, at most [MaxRouteWords] words.
func ParseRouteRule(s string) (RouteRule, error) {
	skill, list, ok := strings.Cut(s, "=")
	if !ok {
		return RouteRule{}, fmt.Errorf("%w %q: want skill=word,word", ErrBadRoute, s)
	}
	skill, err := routeWord(skill)
	if err != nil {
		return RouteRule{}, err
	}
	parts := strings.Split(list, ",")
	if len(parts) > MaxRouteWords {
		return RouteRule{}, fmt.Errorf("%w: more than %d words", ErrBadRoute, MaxRouteWords)
	}
	r := RouteRule{Skill: skill}
	for _, p := range parts {
		w, err := routeWord(p)
		if err != nil {
			return RouteRule{}, err
		}
		r.Words = append(r.Words, w)
	}
	return r, nil
}

// CheckSkill checks a skill's form (as in route rules) and returns it in
// lower case.
func CheckSkill(s string) (string, error) { return routeWord(s) }

// routeWord checks one skill or word and returns it in lower case.
func routeWord(w string) (string, error) {
	w = strings.TrimSpace(w)
	if w == "" || len(w) > MaxRouteWord {
		return "", fmt.Errorf("%w: a skill or word is 1 to %d bytes", ErrBadRoute, MaxRouteWord)
	}
	for _, r := range w {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '_' {
			return "", fmt.Errorf("%w: %q holds %q (letters, digits, - and _ only)", ErrBadRoute, w, r)
		}
	}
	return strings.ToLower(w), nil
}

// SkillOf returns the skill of the first rule one of whose words is a
// word of text (case-insensitive), or "" when none matches.
func SkillOf(rules []RouteRule, text string) string {
	words := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '_'
	}) {
		words[w] = true
	}
	for _, r := range rules {
		for _, w := range r.Words {
			if words[w] {
				return r.Skill
			}
		}
	}
	return ""
}
