package api

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"time"

	"ratchat/chat"
)

// OpenRPCVersion is the version of the OpenRPC document format that
// rpc.discover returns (a subset of it: names, summaries and JSON types).
const OpenRPCVersion = "1.2.6"

// DiscoverParams are the params of rpc.discover: none.
type DiscoverParams struct{}

// DiscoverResult describes the api, as an OpenRPC document made from the
// method table itself, so that it can never disagree with what is served.
type DiscoverResult struct {
	OpenRPC string           `json:"openrpc"`
	Info    DiscoverInfo     `json:"info"`
	Methods []MethodDescribe `json:"methods"`
}

// DiscoverInfo names the api.
type DiscoverInfo struct {
	Title   string `json:"title"`
	Version string `json:"version"`
}

// MethodDescribe is one method: its name, what it does, its params (by
// name) and its result.
type MethodDescribe struct {
	Name    string          `json:"name"`
	Summary string          `json:"summary"`
	Params  []ParamDescribe `json:"params"`
	Result  ParamDescribe   `json:"result"`
}

// ParamDescribe is one param, or a result: its name, whether it must be
// given, and its JSON schema.
type ParamDescribe struct {
	Name     string  `json:"name"`
	Required bool    `json:"required,omitempty"`
	Schema   *Schema `json:"schema"`
}

// Schema is the part of a JSON schema rpc.discover fills in.
type Schema struct {
	Type       string             `json:"type"`
	Format     string             `json:"format,omitempty"`
	Properties map[string]*Schema `json:"properties,omitempty"`
	Required   []string           `json:"required,omitempty"`
	Items      *Schema            `json:"items,omitempty"`
	order      []string           // the properties in their struct's order
}

// apiVersion is the api's version: it grows when methods are added.
const apiVersion = "1.0.0"

// discover describes the method table.
func discover(context.Context, *chat.Messenger, DiscoverParams) (DiscoverResult, error) {
	out := DiscoverResult{OpenRPC: OpenRPCVersion, Info: DiscoverInfo{Title: "ratchat", Version: apiVersion}}
	for _, m := range methods {
		d := MethodDescribe{Name: m.name, Summary: m.summary, Params: []ParamDescribe{}}
		params := schemaOf(reflect.TypeOf(m.params).Elem())
		for _, name := range params.order {
			d.Params = append(d.Params, ParamDescribe{Name: name, Required: contains(params.Required, name),
				Schema: params.Properties[name]})
		}
		d.Result = ParamDescribe{Name: "result", Schema: schemaOf(reflect.TypeOf(m.result).Elem())}
		out.Methods = append(out.Methods, d)
	}
	return out, nil
}

var timeType = reflect.TypeFor[time.Time]()

// schemaOf is the JSON schema of a Go type, read from its json tags.
func schemaOf(t reflect.Type) *Schema { return schemaSeen(t, map[reflect.Type]bool{}) }

// schemaSeen is schemaOf, with the struct types being described: a type
// that holds itself (rpc.discover's own Schema) is an object, no further.
func schemaSeen(t reflect.Type, seen map[reflect.Type]bool) *Schema {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return &Schema{Type: "string", Format: "date-time"}
	case t.Kind() == reflect.String:
		return &Schema{Type: "string"}
	case t.Kind() == reflect.Bool:
		return &Schema{Type: "boolean"}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		return &Schema{Type: "integer"}
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return &Schema{Type: "number"}
	case t.Kind() == reflect.Slice:
		return &Schema{Type: "array", Items: schemaSeen(t.Elem(), seen)}
	case t.Kind() == reflect.Map || t.Kind() == reflect.Struct && seen[t]:
		return &Schema{Type: "object"}
	case t.Kind() == reflect.Struct:
		seen[t] = true
		defer delete(seen, t)
		s := &Schema{Type: "object", Properties: map[string]*Schema{}}
		for i := range t.NumField() {
			f := t.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			s.Properties[name] = schemaSeen(f.Type, seen)
			s.order = append(s.order, name)
			if !strings.Contains(opts, "omit") && f.Type.Kind() != reflect.Pointer {
				s.Required = append(s.Required, name)
			}
		}
		return s
	}
	panic("api: no schema for " + t.String()) // a broken invariant: a type the table should not hold
}

// contains reports whether list holds s.
func contains(list []string, s string) bool { return slices.Contains(list, s) }
