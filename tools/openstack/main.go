// Command pulumi-resource-openstack is govcloud's build of the `openstack` Pulumi provider: the
// Terraform OpenStack provider (github.com/terraform-provider-openstack/terraform-provider-openstack/v3)
// served through the Pulumi Terraform bridge, for the pulumi_openstack Python SDK (5.5.x).
//
// Why it exists: github.com/pulumi/pulumi-openstack/provider/v5 is not served by the Go module proxy
// reachable here, but the bridge and the Terraform provider are. What pulumi-openstack adds on top of
// them is mostly the naming of resources and functions (Terraform type -> Pulumi token). Here those
// tokens are taken from the Python SDK itself (sdk-*-tokens.txt, extracted by
// ../sdk-tokens.sh from the installed pulumi_openstack package): every Terraform type is matched
// to the SDK token with the same module and the same letters (case and separators ignored, with or
// without the _vN suffix); the few irregular names are listed in overrides below.
// `pulumi-resource-openstack -check-tokens` lists what is not matched either way.
package main

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/terraform-provider-openstack/terraform-provider-openstack/v3/openstack"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	shim "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/contract"
)

// version is set with -ldflags "-X main.version=5.5.3" to the pulumi_openstack SDK's version, so
// the engine's "expected version >= SDK version" check is satisfied.
var version = "5.5.3"

//go:embed sdk-resource-tokens.txt
var sdkResourceTokens string

//go:embed sdk-function-tokens.txt
var sdkFunctionTokens string

// Terraform module prefixes that pulumi-openstack renames.
var moduleAliases = map[string]string{"db": "database", "fw": "firewall", "lb": "loadbalancer"}

// Terraform types whose Pulumi names are not the Terraform name re-cased.
var resourceOverrides = map[string][]string{
	"openstack_blockstorage_quotaset_v3": {"openstack:blockstorage/quoteSetV3:QuoteSetV3"},
	"openstack_objectstorage_object_v1":  {"openstack:objectstorage/containerObject:ContainerObject"},
}

// Property names that are not the Terraform name re-cased (found by sdk-names-check.py).
var fieldOverrides = map[string]map[string]*tfbridge.SchemaInfo{
	"openstack_orchestration_stack_v1": {"outputs": {Name: "StackOutputs"}},
}

var functionOverrides = map[string][]string{
	"openstack_dns_zone_v2": {"openstack:dns/getDnsZone:getDnsZone"},
	"openstack_sharedfilesystem_availability_zones_v2": {
		"openstack:sharedfilesystem/getAvailbilityZones:getAvailbilityZones",
	},
	// Two Terraform data sources re-case to loadbalancer/getFlavorV2; the old lb_ one is the
	// SDK's getLbFlavorDeprecated.
	"openstack_lb_flavor_v2":           {"openstack:loadbalancer/getLbFlavorDeprecated:getLbFlavorDeprecated"},
	"openstack_loadbalancer_flavor_v2": {"openstack:loadbalancer/getFlavorV2:getFlavorV2"},
}

func main() {
	prov := providerInfo()
	if len(os.Args) > 1 && os.Args[1] == "-check-tokens" {
		os.Exit(checkTokens(prov))
	}
	if len(os.Args) > 1 && os.Args[1] == "-dump-names" {
		dumpNames(prov)
		return
	}
	tfbridge.Main("openstack", version, prov, nil)
}

// tokenIndex maps "<module>/<letters of the name, lower case>" to the SDK tokens with that key
// (for functions without the leading "get").
func tokenIndex(list string) map[string][]string {
	idx := map[string][]string{}
	for _, line := range strings.Split(list, "\n") {
		tok := strings.TrimSpace(line)
		if tok == "" {
			continue
		}
		// openstack:<module>/<camelName>:<Name>
		modPath, member, ok := strings.Cut(strings.TrimPrefix(tok, "openstack:"), ":")
		if !ok {
			continue
		}
		mod, _, _ := strings.Cut(modPath, "/")
		if len(member) > 3 && strings.HasPrefix(member, "get") && strings.ToUpper(member[3:4]) == member[3:4] {
			member = member[3:]
		}
		key := mod + "/" + strings.ToLower(member)
		idx[key] = append(idx[key], tok)
	}
	return idx
}

// candidates lists the keys a Terraform type may have in a tokenIndex, best first: its own module
// (renamed per moduleAliases) with and without the _vN suffix, then the index module.
func candidates(tfName string) []string {
	parts := strings.Split(strings.TrimPrefix(tfName, "openstack_"), "_")
	mod := parts[0]
	if alias, ok := moduleAliases[mod]; ok {
		mod = alias
	}
	name := parts[1:]
	var out []string
	add := func(m string, p []string) {
		if len(p) > 0 {
			out = append(out, m+"/"+strings.Join(p, ""))
		}
	}
	last := parts[len(parts)-1]
	versioned := len(last) >= 2 && last[0] == 'v' && strings.Trim(last[1:], "0123456789") == ""
	add(mod, name)
	if versioned {
		add(mod, name[:len(name)-1])
	}
	add("index", parts)
	if versioned {
		add("index", parts[:len(parts)-1])
	}
	return out
}

// match returns the SDK tokens of a Terraform type: the first is its token, any others are
// older names the SDK still has classes for (served as aliases).
func match(tfName string, idx map[string][]string, overrides map[string][]string) []string {
	if toks, ok := overrides[tfName]; ok {
		return toks
	}
	var toks []string
	seen := map[string]bool{}
	for _, key := range candidates(tfName) {
		for _, tok := range idx[key] {
			if !seen[tok] {
				seen[tok] = true
				toks = append(toks, tok)
			}
		}
	}
	return toks
}

func providerInfo() tfbridge.ProviderInfo {
	p := shimv2.NewProvider(openstack.Provider())
	resIdx, fnIdx := tokenIndex(sdkResourceTokens), tokenIndex(sdkFunctionTokens)
	info := tfbridge.ProviderInfo{
		P:           p,
		Name:        "openstack",
		Version:     version,
		GitHubOrg:   "terraform-provider-openstack",
		Resources:   map[string]*tfbridge.ResourceInfo{},
		DataSources: map[string]*tfbridge.DataSourceInfo{},
		// Config keys (authUrl, region, ...) are the bridge's re-casing of the Terraform schema,
		// as in pulumi-openstack.
	}
	var resNames, fnNames []string
	p.ResourcesMap().Range(func(name string, _ shim.Resource) bool { resNames = append(resNames, name); return true })
	p.DataSourcesMap().Range(func(name string, _ shim.Resource) bool { fnNames = append(fnNames, name); return true })
	sort.Strings(resNames)
	sort.Strings(fnNames)
	for _, name := range resNames {
		for i, tok := range match(name, resIdx, resourceOverrides) {
			key := name
			if i > 0 {
				// An older SDK token for the same type: serve a copy of the Terraform resource
				// under it, as the bridge's RenameResourceWithAlias does.
				key = fmt.Sprintf("%s%s%d", name, tfbridge.RenamedEntitySuffix, i)
				contract.AssertNoErrorf(shim.CloneResource(p.ResourcesMap(), name, key), "cloning %s", name)
			}
			info.Resources[key] = &tfbridge.ResourceInfo{Tok: tokens.Type(tok), Fields: fieldOverrides[name]}
		}
	}
	for _, name := range fnNames {
		for i, tok := range match(name, fnIdx, functionOverrides) {
			key := name
			if i > 0 {
				key = fmt.Sprintf("%s%s%d", name, tfbridge.RenamedEntitySuffix, i)
				contract.AssertNoErrorf(shim.CloneResource(p.DataSourcesMap(), name, key), "cloning %s", name)
			}
			info.DataSources[key] = &tfbridge.DataSourceInfo{Tok: tokens.ModuleMember(tok)}
		}
	}
	return info
}

// checkTokens prints the Terraform types without an SDK token and the SDK tokens without a
// Terraform type; it exits 1 when a Terraform type is unmatched.
func checkTokens(info tfbridge.ProviderInfo) int {
	used := map[string]bool{}
	var unmatched []string
	claim := func(tok, name string) {
		if used[tok] {
			unmatched = append(unmatched, "token "+tok+" claimed twice, again by "+name)
		}
		used[tok] = true
	}
	info.P.ResourcesMap().Range(func(name string, _ shim.Resource) bool {
		if r, ok := info.Resources[name]; ok {
			claim(string(r.Tok), name)
		} else {
			unmatched = append(unmatched, "resource "+name)
		}
		return true
	})
	info.P.DataSourcesMap().Range(func(name string, _ shim.Resource) bool {
		if d, ok := info.DataSources[name]; ok {
			claim(string(d.Tok), name)
		} else {
			unmatched = append(unmatched, "function "+name)
		}
		return true
	})
	var unused []string
	for _, list := range []string{sdkResourceTokens, sdkFunctionTokens} {
		for _, line := range strings.Split(list, "\n") {
			if tok := strings.TrimSpace(line); tok != "" && !used[tok] {
				unused = append(unused, tok)
			}
		}
	}
	sort.Strings(unmatched)
	sort.Strings(unused)
	fmt.Printf("mapped: %d resources, %d functions\n", len(info.Resources), len(info.DataSources))
	for _, u := range unmatched {
		fmt.Println("unmatched:", u)
	}
	for _, u := range unused {
		fmt.Println("SDK token without terraform type (not served):", u)
	}
	if len(unmatched) > 0 {
		return 1
	}
	return 0
}

// dumpNames prints, per resource token, the Pulumi names of its top-level properties as the
// bridge derives them (JSON), to compare with the SDK's (see ../sdk-names-check.py).
func dumpNames(info tfbridge.ProviderInfo) {
	out := map[string][]string{}
	info.P.ResourcesMap().Range(func(name string, res shim.Resource) bool {
		ri, ok := info.Resources[name]
		if !ok {
			return true
		}
		var fields map[string]*tfbridge.SchemaInfo
		if ri.Fields != nil {
			fields = ri.Fields
		}
		var names []string
		res.Schema().Range(func(key string, _ shim.Schema) bool {
			names = append(names, tfbridge.TerraformToPulumiNameV2(key, res.Schema(), fields))
			return true
		})
		sort.Strings(names)
		out[string(ri.Tok)] = names
		return true
	})
	b, _ := json.MarshalIndent(out, "", " ")
	fmt.Println(string(b))
}
