// Command pulumi-resource-random is govcloud's own implementation of the `random` Pulumi provider,
// for the pulumi_random Python SDK (4.21.x).
//
// Why it exists: the upstream provider (github.com/pulumi/pulumi-random/provider/v4) and the
// Terraform provider it bridges are not served by the Go module proxy reachable here. govcloud only
// uses random.RandomPassword, so this provider implements RandomPassword and RandomString with the
// same inputs, defaults, outputs and replace-on-any-change semantics as terraform-provider-random;
// every other random resource type is rejected with a clear error.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"os"
	"sort"

	"github.com/blang/semver"
	"golang.org/x/crypto/bcrypt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// version is set with -ldflags "-X main.version=4.21.4" to the pulumi_random SDK's version, so the
// engine's "expected version >= SDK version" check is satisfied.
var version = "4.21.4"

const (
	tokPassword = "random:index/randomPassword:RandomPassword"
	tokString   = "random:index/randomString:RandomString"

	lowerChars   = "abcdefghijklmnopqrstuvwxyz"
	upperChars   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	numericChars = "0123456789"
	// terraform-provider-random's default special characters.
	specialChars = "!@#$%&*()-_=+[]{}<>:?"
)

func main() {
	if len(os.Args) > 1 && (os.Args[1] == "-version" || os.Args[1] == "--version") {
		fmt.Println(version)
		return
	}
	if err := provider.Main("random", func(*provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		return plugin.NewProviderServer(&randomProvider{}), nil
	}); err != nil {
		cmdutil.ExitError(err.Error())
	}
}

type randomProvider struct {
	plugin.UnimplementedProvider
}

func (p *randomProvider) Close() error { return nil }

func (p *randomProvider) Pkg() tokens.Package { return "random" }

func (p *randomProvider) GetPluginInfo(context.Context) (plugin.PluginInfo, error) {
	v, err := semver.ParseTolerant(version)
	if err != nil {
		return plugin.PluginInfo{}, err
	}
	return plugin.PluginInfo{Version: &v}, nil
}

func (p *randomProvider) Handshake(
	context.Context, plugin.ProviderHandshakeRequest,
) (*plugin.ProviderHandshakeResponse, error) {
	return &plugin.ProviderHandshakeResponse{AcceptSecrets: true, AcceptResources: true}, nil
}

func (p *randomProvider) GetSchema(context.Context, plugin.GetSchemaRequest) (plugin.GetSchemaResponse, error) {
	return plugin.GetSchemaResponse{Schema: []byte(`{"name":"random","version":"` + version + `"}`)}, nil
}

func (p *randomProvider) CheckConfig(
	_ context.Context, req plugin.CheckConfigRequest,
) (plugin.CheckConfigResponse, error) {
	return plugin.CheckConfigResponse{Properties: req.News}, nil
}

func (p *randomProvider) DiffConfig(context.Context, plugin.DiffConfigRequest) (plugin.DiffConfigResponse, error) {
	return plugin.DiffConfigResponse{Changes: plugin.DiffNone}, nil
}

func (p *randomProvider) Configure(context.Context, plugin.ConfigureRequest) (plugin.ConfigureResponse, error) {
	return plugin.ConfigureResponse{}, nil
}

func (p *randomProvider) SignalCancellation(context.Context) error { return nil }

func supported(t tokens.Type) error {
	if t == tokPassword || t == tokString {
		return nil
	}
	return fmt.Errorf("govcloud's random provider implements only RandomPassword and RandomString, not %s", t)
}

// defaults are terraform-provider-random's for random_password / random_string.
var boolDefaults = map[resource.PropertyKey]bool{"special": true, "upper": true, "lower": true, "numeric": true}

var intDefaults = []resource.PropertyKey{"minLower", "minNumeric", "minSpecial", "minUpper"}

func (p *randomProvider) Check(_ context.Context, req plugin.CheckRequest) (plugin.CheckResponse, error) {
	if err := supported(req.Type); err != nil {
		return plugin.CheckResponse{}, err
	}
	news := req.News.Copy()
	var failures []plugin.CheckFailure
	length, ok := news["length"]
	switch {
	case !ok || length.IsNull():
		failures = append(failures, plugin.CheckFailure{Property: "length", Reason: "length is required"})
	case length.IsNumber() && length.NumberValue() < 1:
		failures = append(failures, plugin.CheckFailure{Property: "length", Reason: "length must be at least 1"})
	}
	// `number` is the deprecated spelling of `numeric`; keep both in step like the TF provider.
	if n, ok := news["number"]; ok && !n.IsNull() {
		if _, has := news["numeric"]; !has {
			news["numeric"] = n
		}
	}
	for k, v := range boolDefaults {
		if cur, ok := news[k]; !ok || cur.IsNull() {
			news[k] = resource.NewBoolProperty(v)
		}
	}
	if num, ok := news["numeric"]; ok {
		news["number"] = num
	}
	for _, k := range intDefaults {
		if cur, ok := news[k]; !ok || cur.IsNull() {
			news[k] = resource.NewNumberProperty(0)
		}
	}
	return plugin.CheckResponse{Properties: news, Failures: failures}, nil
}

// Every input of random_password / random_string forces a new value.
func (p *randomProvider) Diff(_ context.Context, req plugin.DiffRequest) (plugin.DiffResponse, error) {
	if err := supported(req.Type); err != nil {
		return plugin.DiffResponse{}, err
	}
	ignored := map[string]bool{}
	for _, k := range req.IgnoreChanges {
		ignored[k] = true
	}
	oldIns := req.OldInputs
	if oldIns == nil {
		oldIns = req.OldOutputs
	}
	keys := map[resource.PropertyKey]bool{}
	for k := range oldIns {
		keys[k] = true
	}
	for k := range req.NewInputs {
		keys[k] = true
	}
	var replace []resource.PropertyKey
	detailed := map[string]plugin.PropertyDiff{}
	for k := range keys {
		if ignored[string(k)] || k == "result" || k == "bcryptHash" {
			continue
		}
		o, hasOld := oldIns[k]
		n, hasNew := req.NewInputs[k]
		if hasOld && hasNew && o.DeepEquals(n) {
			continue
		}
		if !hasOld && hasNew && n.IsNull() || hasOld && !hasNew && o.IsNull() {
			continue
		}
		replace = append(replace, k)
		kind := plugin.DiffUpdateReplace
		if !hasOld {
			kind = plugin.DiffAddReplace
		} else if !hasNew {
			kind = plugin.DiffDeleteReplace
		}
		detailed[string(k)] = plugin.PropertyDiff{Kind: kind, InputDiff: true}
	}
	if len(replace) == 0 {
		return plugin.DiffResponse{Changes: plugin.DiffNone}, nil
	}
	sort.Slice(replace, func(i, j int) bool { return replace[i] < replace[j] })
	return plugin.DiffResponse{
		Changes: plugin.DiffSome, ReplaceKeys: replace, ChangedKeys: replace, DetailedDiff: detailed,
	}, nil
}

type params struct {
	length                                     int
	lower, upper, numeric, special             bool
	minLower, minUpper, minNumeric, minSpecial int
	overrideSpecial                            *string
}

func readParams(props resource.PropertyMap) (params, bool, error) {
	get := func(k resource.PropertyKey) (resource.PropertyValue, bool) {
		v, ok := props[k]
		if !ok {
			return v, false
		}
		for v.IsSecret() {
			v = v.SecretValue().Element
		}
		if v.IsOutput() {
			if !v.OutputValue().Known {
				return v, true
			}
			v = v.OutputValue().Element
		}
		return v, true
	}
	var out params
	unknown := false
	num := func(k resource.PropertyKey, dst *int) error {
		v, ok := get(k)
		if !ok || v.IsNull() {
			return nil
		}
		if v.ContainsUnknowns() {
			unknown = true
			return nil
		}
		if !v.IsNumber() {
			return fmt.Errorf("%s must be a number", k)
		}
		*dst = int(v.NumberValue())
		return nil
	}
	flag := func(k resource.PropertyKey, dst *bool) error {
		v, ok := get(k)
		if !ok || v.IsNull() {
			*dst = boolDefaults[k]
			return nil
		}
		if v.ContainsUnknowns() {
			unknown = true
			return nil
		}
		if !v.IsBool() {
			return fmt.Errorf("%s must be a boolean", k)
		}
		*dst = v.BoolValue()
		return nil
	}
	for _, e := range []error{
		num("length", &out.length), num("minLower", &out.minLower), num("minUpper", &out.minUpper),
		num("minNumeric", &out.minNumeric), num("minSpecial", &out.minSpecial),
		flag("lower", &out.lower), flag("upper", &out.upper), flag("numeric", &out.numeric),
		flag("special", &out.special),
	} {
		if e != nil {
			return out, false, e
		}
	}
	if v, ok := get("overrideSpecial"); ok && !v.IsNull() {
		if v.ContainsUnknowns() {
			unknown = true
		} else if v.IsString() {
			s := v.StringValue()
			out.overrideSpecial = &s
		}
	}
	return out, unknown, nil
}

func pick(chars string) (byte, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(int64(len(chars))))
	if err != nil {
		return 0, err
	}
	return chars[n.Int64()], nil
}

// generate follows terraform-provider-random: the minimum counts of each class first, the rest
// from the union of the enabled classes, then a shuffle.
func generate(p params) (string, error) {
	special := specialChars
	if p.overrideSpecial != nil {
		special = *p.overrideSpecial
	}
	var all string
	type class struct {
		chars string
		min   int
		on    bool
	}
	classes := []class{
		{upperChars, p.minUpper, p.upper}, {lowerChars, p.minLower, p.lower},
		{numericChars, p.minNumeric, p.numeric}, {special, p.minSpecial, p.special},
	}
	var result []byte
	for _, c := range classes {
		if !c.on || c.chars == "" {
			continue
		}
		all += c.chars
		for range c.min {
			b, err := pick(c.chars)
			if err != nil {
				return "", err
			}
			result = append(result, b)
		}
	}
	if all == "" {
		return "", errors.New("at least one of upper, lower, numeric and special must be enabled")
	}
	for len(result) < p.length {
		b, err := pick(all)
		if err != nil {
			return "", err
		}
		result = append(result, b)
	}
	for i := len(result) - 1; i > 0; i-- {
		j, err := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		if err != nil {
			return "", err
		}
		result[i], result[j.Int64()] = result[j.Int64()], result[i]
	}
	return string(result), nil
}

func (p *randomProvider) Create(_ context.Context, req plugin.CreateRequest) (plugin.CreateResponse, error) {
	if err := supported(req.Type); err != nil {
		return plugin.CreateResponse{}, err
	}
	outs := req.Properties.Copy()
	prm, unknown, err := readParams(req.Properties)
	if err != nil {
		return plugin.CreateResponse{}, err
	}
	if req.Preview || unknown {
		outs["result"] = resource.MakeComputed(resource.NewStringProperty(""))
		if req.Type == tokPassword {
			outs["bcryptHash"] = resource.MakeComputed(resource.NewStringProperty(""))
		}
		return plugin.CreateResponse{ID: "", Properties: outs, Status: resource.StatusOK}, nil
	}
	value, err := generate(prm)
	if err != nil {
		return plugin.CreateResponse{}, err
	}
	id := resource.ID(value)
	if req.Type == tokPassword {
		hash, err := bcrypt.GenerateFromPassword([]byte(value), bcrypt.DefaultCost)
		if err != nil {
			return plugin.CreateResponse{}, err
		}
		outs["result"] = resource.MakeSecret(resource.NewStringProperty(value))
		outs["bcryptHash"] = resource.MakeSecret(resource.NewStringProperty(string(hash)))
		id = "none"
	} else {
		outs["result"] = resource.NewStringProperty(value)
	}
	return plugin.CreateResponse{ID: id, Properties: outs, Status: resource.StatusOK}, nil
}

// Read returns the stored state: random values exist nowhere but in the state.
func (p *randomProvider) Read(_ context.Context, req plugin.ReadRequest) (plugin.ReadResponse, error) {
	if err := supported(req.Type); err != nil {
		return plugin.ReadResponse{}, err
	}
	return plugin.ReadResponse{
		ReadResult: plugin.ReadResult{ID: req.ID, Inputs: req.Inputs, Outputs: req.State},
		Status:     resource.StatusOK,
	}, nil
}

// Update is only reached for changes Diff ignored; keep the value.
func (p *randomProvider) Update(_ context.Context, req plugin.UpdateRequest) (plugin.UpdateResponse, error) {
	if err := supported(req.Type); err != nil {
		return plugin.UpdateResponse{}, err
	}
	outs := req.NewInputs.Copy()
	for _, k := range []resource.PropertyKey{"result", "bcryptHash"} {
		if v, ok := req.OldOutputs[k]; ok {
			outs[k] = v
		}
	}
	return plugin.UpdateResponse{Properties: outs, Status: resource.StatusOK}, nil
}

func (p *randomProvider) Delete(context.Context, plugin.DeleteRequest) (plugin.DeleteResponse, error) {
	return plugin.DeleteResponse{Status: resource.StatusOK}, nil
}
