package genl

import (
	"golang.org/x/sys/unix"

	"github.com/nsnet/nsnet/internal/nltrace"
)

// ethtool numbers its requests (user to kernel) and its replies and
// notifications (kernel to user) apart; each message's attributes are
// those of its object (ETHTOOL_A_FEATURES_*, ETHTOOL_A_CHANNELS_*, ...).
// Objects without a description here print their header by name and the
// rest raw.

type ethtoolMsg struct {
	name  string
	space *nltrace.Space
}

var ethtoolRequests = [...]ethtoolMsg{
	unix.ETHTOOL_MSG_STRSET_GET:    {"ETHTOOL_MSG_STRSET_GET", &ethStrsetSpace},
	unix.ETHTOOL_MSG_LINKINFO_GET:  {"ETHTOOL_MSG_LINKINFO_GET", &ethHeaderOnly},
	unix.ETHTOOL_MSG_LINKINFO_SET:  {"ETHTOOL_MSG_LINKINFO_SET", &ethHeaderOnly},
	unix.ETHTOOL_MSG_LINKMODES_GET: {"ETHTOOL_MSG_LINKMODES_GET", &ethHeaderOnly},
	unix.ETHTOOL_MSG_LINKMODES_SET: {"ETHTOOL_MSG_LINKMODES_SET", &ethHeaderOnly},
	unix.ETHTOOL_MSG_LINKSTATE_GET: {"ETHTOOL_MSG_LINKSTATE_GET", &ethHeaderOnly},
	unix.ETHTOOL_MSG_DEBUG_GET:     {"ETHTOOL_MSG_DEBUG_GET", &ethHeaderOnly},
	unix.ETHTOOL_MSG_DEBUG_SET:     {"ETHTOOL_MSG_DEBUG_SET", &ethHeaderOnly},
	unix.ETHTOOL_MSG_WOL_GET:       {"ETHTOOL_MSG_WOL_GET", &ethHeaderOnly},
	unix.ETHTOOL_MSG_WOL_SET:       {"ETHTOOL_MSG_WOL_SET", &ethHeaderOnly},
	unix.ETHTOOL_MSG_FEATURES_GET:  {"ETHTOOL_MSG_FEATURES_GET", &ethFeaturesSpace},
	unix.ETHTOOL_MSG_FEATURES_SET:  {"ETHTOOL_MSG_FEATURES_SET", &ethFeaturesSpace},
	unix.ETHTOOL_MSG_PRIVFLAGS_GET: {"ETHTOOL_MSG_PRIVFLAGS_GET", &ethHeaderOnly},
	unix.ETHTOOL_MSG_PRIVFLAGS_SET: {"ETHTOOL_MSG_PRIVFLAGS_SET", &ethHeaderOnly},
	unix.ETHTOOL_MSG_RINGS_GET:     {"ETHTOOL_MSG_RINGS_GET", &ethRingsSpace},
	unix.ETHTOOL_MSG_RINGS_SET:     {"ETHTOOL_MSG_RINGS_SET", &ethRingsSpace},
	unix.ETHTOOL_MSG_CHANNELS_GET:  {"ETHTOOL_MSG_CHANNELS_GET", &ethChannelsSpace},
	unix.ETHTOOL_MSG_CHANNELS_SET:  {"ETHTOOL_MSG_CHANNELS_SET", &ethChannelsSpace},
	unix.ETHTOOL_MSG_COALESCE_GET:  {"ETHTOOL_MSG_COALESCE_GET", &ethHeaderOnly},
	unix.ETHTOOL_MSG_COALESCE_SET:  {"ETHTOOL_MSG_COALESCE_SET", &ethHeaderOnly},
	unix.ETHTOOL_MSG_PAUSE_GET:     {"ETHTOOL_MSG_PAUSE_GET", &ethHeaderOnly},
	unix.ETHTOOL_MSG_PAUSE_SET:     {"ETHTOOL_MSG_PAUSE_SET", &ethHeaderOnly},
	unix.ETHTOOL_MSG_EEE_GET:       {"ETHTOOL_MSG_EEE_GET", &ethHeaderOnly},
	unix.ETHTOOL_MSG_EEE_SET:       {"ETHTOOL_MSG_EEE_SET", &ethHeaderOnly},
	unix.ETHTOOL_MSG_TSINFO_GET:    {"ETHTOOL_MSG_TSINFO_GET", &ethHeaderOnly},
}

var ethtoolReplies = [...]ethtoolMsg{
	unix.ETHTOOL_MSG_STRSET_GET_REPLY:    {"ETHTOOL_MSG_STRSET_GET_REPLY", &ethStrsetSpace},
	unix.ETHTOOL_MSG_LINKINFO_GET_REPLY:  {"ETHTOOL_MSG_LINKINFO_GET_REPLY", &ethHeaderOnly},
	unix.ETHTOOL_MSG_LINKINFO_NTF:        {"ETHTOOL_MSG_LINKINFO_NTF", &ethHeaderOnly},
	unix.ETHTOOL_MSG_LINKMODES_GET_REPLY: {"ETHTOOL_MSG_LINKMODES_GET_REPLY", &ethHeaderOnly},
	unix.ETHTOOL_MSG_LINKMODES_NTF:       {"ETHTOOL_MSG_LINKMODES_NTF", &ethHeaderOnly},
	unix.ETHTOOL_MSG_LINKSTATE_GET_REPLY: {"ETHTOOL_MSG_LINKSTATE_GET_REPLY", &ethHeaderOnly},
	unix.ETHTOOL_MSG_DEBUG_GET_REPLY:     {"ETHTOOL_MSG_DEBUG_GET_REPLY", &ethHeaderOnly},
	unix.ETHTOOL_MSG_DEBUG_NTF:           {"ETHTOOL_MSG_DEBUG_NTF", &ethHeaderOnly},
	unix.ETHTOOL_MSG_WOL_GET_REPLY:       {"ETHTOOL_MSG_WOL_GET_REPLY", &ethHeaderOnly},
	unix.ETHTOOL_MSG_WOL_NTF:             {"ETHTOOL_MSG_WOL_NTF", &ethHeaderOnly},
	unix.ETHTOOL_MSG_FEATURES_GET_REPLY:  {"ETHTOOL_MSG_FEATURES_GET_REPLY", &ethFeaturesSpace},
	unix.ETHTOOL_MSG_FEATURES_SET_REPLY:  {"ETHTOOL_MSG_FEATURES_SET_REPLY", &ethFeaturesSpace},
	unix.ETHTOOL_MSG_FEATURES_NTF:        {"ETHTOOL_MSG_FEATURES_NTF", &ethFeaturesSpace},
	unix.ETHTOOL_MSG_PRIVFLAGS_GET_REPLY: {"ETHTOOL_MSG_PRIVFLAGS_GET_REPLY", &ethHeaderOnly},
	unix.ETHTOOL_MSG_PRIVFLAGS_NTF:       {"ETHTOOL_MSG_PRIVFLAGS_NTF", &ethHeaderOnly},
	unix.ETHTOOL_MSG_RINGS_GET_REPLY:     {"ETHTOOL_MSG_RINGS_GET_REPLY", &ethRingsSpace},
	unix.ETHTOOL_MSG_RINGS_NTF:           {"ETHTOOL_MSG_RINGS_NTF", &ethRingsSpace},
	unix.ETHTOOL_MSG_CHANNELS_GET_REPLY:  {"ETHTOOL_MSG_CHANNELS_GET_REPLY", &ethChannelsSpace},
	unix.ETHTOOL_MSG_CHANNELS_NTF:        {"ETHTOOL_MSG_CHANNELS_NTF", &ethChannelsSpace},
	unix.ETHTOOL_MSG_COALESCE_GET_REPLY:  {"ETHTOOL_MSG_COALESCE_GET_REPLY", &ethHeaderOnly},
	unix.ETHTOOL_MSG_COALESCE_NTF:        {"ETHTOOL_MSG_COALESCE_NTF", &ethHeaderOnly},
	unix.ETHTOOL_MSG_PAUSE_GET_REPLY:     {"ETHTOOL_MSG_PAUSE_GET_REPLY", &ethHeaderOnly},
	unix.ETHTOOL_MSG_PAUSE_NTF:           {"ETHTOOL_MSG_PAUSE_NTF", &ethHeaderOnly},
	unix.ETHTOOL_MSG_EEE_GET_REPLY:       {"ETHTOOL_MSG_EEE_GET_REPLY", &ethHeaderOnly},
	unix.ETHTOOL_MSG_EEE_NTF:             {"ETHTOOL_MSG_EEE_NTF", &ethHeaderOnly},
	unix.ETHTOOL_MSG_TSINFO_GET_REPLY:    {"ETHTOOL_MSG_TSINFO_GET_REPLY", &ethHeaderOnly},
}

func ethtoolCmd(dir nltrace.Direction, c uint8) (string, *nltrace.Space) {
	table := ethtoolReplies[:]
	if dir == nltrace.Sent {
		table = ethtoolRequests[:]
	}
	if int(c) >= len(table) || table[c].name == "" {
		return "", &ethHeaderOnly
	}
	m := table[c]
	return m.name, m.space
}

// &ethHeaderSpace is the request header every ethtool message starts with
// (attribute 1 of each message's space).
var ethHeaderSpace = nltrace.Space{Name: "ethtool_a_header", Attrs: []nltrace.Attr{
	unix.ETHTOOL_A_HEADER_DEV_INDEX: {Name: "ETHTOOL_A_HEADER_DEV_INDEX", Kind: nltrace.U32},
	unix.ETHTOOL_A_HEADER_DEV_NAME:  {Name: "ETHTOOL_A_HEADER_DEV_NAME", Kind: nltrace.String},
	unix.ETHTOOL_A_HEADER_FLAGS:     {Name: "ETHTOOL_A_HEADER_FLAGS", Kind: nltrace.U32},
	4:                               {Name: "ETHTOOL_A_HEADER_PHY_INDEX", Kind: nltrace.U32},
}}

var ethHeaderOnly = nltrace.Space{Name: "ethtool_a", Attrs: []nltrace.Attr{
	1: {Name: "ETHTOOL_A_HEADER", Kind: nltrace.Nested, Nest: &ethHeaderSpace},
}}

var ethBitSpace = nltrace.Space{Name: "ethtool_a_bitset_bit", Attrs: []nltrace.Attr{
	unix.ETHTOOL_A_BITSET_BIT_INDEX: {Name: "ETHTOOL_A_BITSET_BIT_INDEX", Kind: nltrace.U32},
	unix.ETHTOOL_A_BITSET_BIT_NAME:  {Name: "ETHTOOL_A_BITSET_BIT_NAME", Kind: nltrace.String},
	unix.ETHTOOL_A_BITSET_BIT_VALUE: {Name: "ETHTOOL_A_BITSET_BIT_VALUE", Kind: nltrace.Flag},
}}

var ethBitsSpace = nltrace.Space{Name: "ethtool_a_bitset_bits", Attrs: []nltrace.Attr{
	unix.ETHTOOL_A_BITSET_BITS_BIT: {Name: "ETHTOOL_A_BITSET_BITS_BIT", Kind: nltrace.Nested, Nest: &ethBitSpace},
}}

var ethBitsetSpace = nltrace.Space{Name: "ethtool_a_bitset", Attrs: []nltrace.Attr{
	unix.ETHTOOL_A_BITSET_NOMASK: {Name: "ETHTOOL_A_BITSET_NOMASK", Kind: nltrace.Flag},
	unix.ETHTOOL_A_BITSET_SIZE:   {Name: "ETHTOOL_A_BITSET_SIZE", Kind: nltrace.U32},
	unix.ETHTOOL_A_BITSET_BITS:   {Name: "ETHTOOL_A_BITSET_BITS", Kind: nltrace.Nested, Nest: &ethBitsSpace},
	unix.ETHTOOL_A_BITSET_VALUE:  {Name: "ETHTOOL_A_BITSET_VALUE", Kind: nltrace.Bytes},
	unix.ETHTOOL_A_BITSET_MASK:   {Name: "ETHTOOL_A_BITSET_MASK", Kind: nltrace.Bytes},
}}

var ethFeaturesSpace = nltrace.Space{Name: "ethtool_a_features", Attrs: []nltrace.Attr{
	unix.ETHTOOL_A_FEATURES_HEADER:   {Name: "ETHTOOL_A_FEATURES_HEADER", Kind: nltrace.Nested, Nest: &ethHeaderSpace},
	unix.ETHTOOL_A_FEATURES_HW:       {Name: "ETHTOOL_A_FEATURES_HW", Kind: nltrace.Nested, Nest: &ethBitsetSpace},
	unix.ETHTOOL_A_FEATURES_WANTED:   {Name: "ETHTOOL_A_FEATURES_WANTED", Kind: nltrace.Nested, Nest: &ethBitsetSpace},
	unix.ETHTOOL_A_FEATURES_ACTIVE:   {Name: "ETHTOOL_A_FEATURES_ACTIVE", Kind: nltrace.Nested, Nest: &ethBitsetSpace},
	unix.ETHTOOL_A_FEATURES_NOCHANGE: {Name: "ETHTOOL_A_FEATURES_NOCHANGE", Kind: nltrace.Nested, Nest: &ethBitsetSpace},
}}

var ethStringSpace = nltrace.Space{Name: "ethtool_a_string", Attrs: []nltrace.Attr{
	unix.ETHTOOL_A_STRING_INDEX: {Name: "ETHTOOL_A_STRING_INDEX", Kind: nltrace.U32},
	unix.ETHTOOL_A_STRING_VALUE: {Name: "ETHTOOL_A_STRING_VALUE", Kind: nltrace.String},
}}

var ethStringsSpace = nltrace.Space{Name: "ethtool_a_strings", Attrs: []nltrace.Attr{
	unix.ETHTOOL_A_STRINGS_STRING: {Name: "ETHTOOL_A_STRINGS_STRING", Kind: nltrace.Nested, Nest: &ethStringSpace},
}}

var ethStringsetSpace = nltrace.Space{Name: "ethtool_a_stringset", Attrs: []nltrace.Attr{
	unix.ETHTOOL_A_STRINGSET_ID:      {Name: "ETHTOOL_A_STRINGSET_ID", Kind: nltrace.U32, Enum: ethStringsetName},
	unix.ETHTOOL_A_STRINGSET_COUNT:   {Name: "ETHTOOL_A_STRINGSET_COUNT", Kind: nltrace.U32},
	unix.ETHTOOL_A_STRINGSET_STRINGS: {Name: "ETHTOOL_A_STRINGSET_STRINGS", Kind: nltrace.Nested, Nest: &ethStringsSpace},
}}

var ethStringsetsSpace = nltrace.Space{Name: "ethtool_a_stringsets", Attrs: []nltrace.Attr{
	unix.ETHTOOL_A_STRINGSETS_STRINGSET: {Name: "ETHTOOL_A_STRINGSETS_STRINGSET", Kind: nltrace.Nested, Nest: &ethStringsetSpace},
}}

var ethStrsetSpace = nltrace.Space{Name: "ethtool_a_strset", Attrs: []nltrace.Attr{
	unix.ETHTOOL_A_STRSET_HEADER:      {Name: "ETHTOOL_A_STRSET_HEADER", Kind: nltrace.Nested, Nest: &ethHeaderSpace},
	unix.ETHTOOL_A_STRSET_STRINGSETS:  {Name: "ETHTOOL_A_STRSET_STRINGSETS", Kind: nltrace.Nested, Nest: &ethStringsetsSpace},
	unix.ETHTOOL_A_STRSET_COUNTS_ONLY: {Name: "ETHTOOL_A_STRSET_COUNTS_ONLY", Kind: nltrace.Flag},
}}

func ethStringsetName(v uint64) string {
	// enum ethtool_stringset in linux/ethtool.h.
	names := []string{"ETH_SS_TEST", "ETH_SS_STATS", "ETH_SS_PRIV_FLAGS", "ETH_SS_NTUPLE_FILTERS", "ETH_SS_FEATURES"}
	if v < uint64(len(names)) {
		return names[v]
	}
	return ""
}

var ethChannelsSpace = nltrace.Space{Name: "ethtool_a_channels", Attrs: []nltrace.Attr{
	unix.ETHTOOL_A_CHANNELS_HEADER:         {Name: "ETHTOOL_A_CHANNELS_HEADER", Kind: nltrace.Nested, Nest: &ethHeaderSpace},
	unix.ETHTOOL_A_CHANNELS_RX_MAX:         {Name: "ETHTOOL_A_CHANNELS_RX_MAX", Kind: nltrace.U32},
	unix.ETHTOOL_A_CHANNELS_TX_MAX:         {Name: "ETHTOOL_A_CHANNELS_TX_MAX", Kind: nltrace.U32},
	unix.ETHTOOL_A_CHANNELS_OTHER_MAX:      {Name: "ETHTOOL_A_CHANNELS_OTHER_MAX", Kind: nltrace.U32},
	unix.ETHTOOL_A_CHANNELS_COMBINED_MAX:   {Name: "ETHTOOL_A_CHANNELS_COMBINED_MAX", Kind: nltrace.U32},
	unix.ETHTOOL_A_CHANNELS_RX_COUNT:       {Name: "ETHTOOL_A_CHANNELS_RX_COUNT", Kind: nltrace.U32},
	unix.ETHTOOL_A_CHANNELS_TX_COUNT:       {Name: "ETHTOOL_A_CHANNELS_TX_COUNT", Kind: nltrace.U32},
	unix.ETHTOOL_A_CHANNELS_OTHER_COUNT:    {Name: "ETHTOOL_A_CHANNELS_OTHER_COUNT", Kind: nltrace.U32},
	unix.ETHTOOL_A_CHANNELS_COMBINED_COUNT: {Name: "ETHTOOL_A_CHANNELS_COMBINED_COUNT", Kind: nltrace.U32},
}}

var ethRingsSpace = nltrace.Space{Name: "ethtool_a_rings", Attrs: []nltrace.Attr{
	unix.ETHTOOL_A_RINGS_HEADER:              {Name: "ETHTOOL_A_RINGS_HEADER", Kind: nltrace.Nested, Nest: &ethHeaderSpace},
	unix.ETHTOOL_A_RINGS_RX_MAX:              {Name: "ETHTOOL_A_RINGS_RX_MAX", Kind: nltrace.U32},
	unix.ETHTOOL_A_RINGS_RX_MINI_MAX:         {Name: "ETHTOOL_A_RINGS_RX_MINI_MAX", Kind: nltrace.U32},
	unix.ETHTOOL_A_RINGS_RX_JUMBO_MAX:        {Name: "ETHTOOL_A_RINGS_RX_JUMBO_MAX", Kind: nltrace.U32},
	unix.ETHTOOL_A_RINGS_TX_MAX:              {Name: "ETHTOOL_A_RINGS_TX_MAX", Kind: nltrace.U32},
	unix.ETHTOOL_A_RINGS_RX:                  {Name: "ETHTOOL_A_RINGS_RX", Kind: nltrace.U32},
	unix.ETHTOOL_A_RINGS_RX_MINI:             {Name: "ETHTOOL_A_RINGS_RX_MINI", Kind: nltrace.U32},
	unix.ETHTOOL_A_RINGS_RX_JUMBO:            {Name: "ETHTOOL_A_RINGS_RX_JUMBO", Kind: nltrace.U32},
	unix.ETHTOOL_A_RINGS_TX:                  {Name: "ETHTOOL_A_RINGS_TX", Kind: nltrace.U32},
	unix.ETHTOOL_A_RINGS_RX_BUF_LEN:          {Name: "ETHTOOL_A_RINGS_RX_BUF_LEN", Kind: nltrace.U32},
	unix.ETHTOOL_A_RINGS_CQE_SIZE:            {Name: "ETHTOOL_A_RINGS_CQE_SIZE", Kind: nltrace.U32},
	unix.ETHTOOL_A_RINGS_TX_PUSH_BUF_LEN:     {Name: "ETHTOOL_A_RINGS_TX_PUSH_BUF_LEN", Kind: nltrace.U32},
	unix.ETHTOOL_A_RINGS_TX_PUSH_BUF_LEN_MAX: {Name: "ETHTOOL_A_RINGS_TX_PUSH_BUF_LEN_MAX", Kind: nltrace.U32},
	unix.ETHTOOL_A_RINGS_HDS_THRESH:          {Name: "ETHTOOL_A_RINGS_HDS_THRESH", Kind: nltrace.U32},
	unix.ETHTOOL_A_RINGS_HDS_THRESH_MAX:      {Name: "ETHTOOL_A_RINGS_HDS_THRESH_MAX", Kind: nltrace.U32},
	unix.ETHTOOL_A_RINGS_TCP_DATA_SPLIT:      {Name: "ETHTOOL_A_RINGS_TCP_DATA_SPLIT", Kind: nltrace.U8},
	unix.ETHTOOL_A_RINGS_TX_PUSH:             {Name: "ETHTOOL_A_RINGS_TX_PUSH", Kind: nltrace.U8},
	unix.ETHTOOL_A_RINGS_RX_PUSH:             {Name: "ETHTOOL_A_RINGS_RX_PUSH", Kind: nltrace.U8},
}}
