package org.snipblock.nbd;

import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import io.netty.util.NetUtil;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/** Client addresses and CIDR blocks an export admits; literals only, never a DNS lookup. */
final class AddressAllowList {
  private final List<IpSubnetFilterRule> rules;

  private AddressAllowList(List<IpSubnetFilterRule> rules) {
    this.rules = rules;
  }

  static AddressAllowList parse(List<String> entries) {
    List<IpSubnetFilterRule> rules = new ArrayList<>();
    for (String entry : entries) {
      int slash = entry.indexOf('/');
      String ip = slash < 0 ? entry : entry.substring(0, slash);
      if (!NetUtil.isValidIpV4Address(ip) && !NetUtil.isValidIpV6Address(ip)) {
        throw new IllegalArgumentException("not an IP address or CIDR block: " + entry);
      }
      int maxPrefix = NetUtil.isValidIpV4Address(ip) ? 32 : 128;
      int prefix;
      try {
        prefix = slash < 0 ? maxPrefix : Integer.parseInt(entry.substring(slash + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("bad prefix length in " + entry, e);
      }
      if (prefix < 0 || prefix > maxPrefix) {
        throw new IllegalArgumentException("bad prefix length in " + entry);
      }
      rules.add(new IpSubnetFilterRule(ip, prefix, IpFilterRuleType.ACCEPT));
    }
    return new AddressAllowList(List.copyOf(rules));
  }

  boolean isEmpty() {
    return rules.isEmpty();
  }

  boolean admits(InetSocketAddress client) {
    for (IpSubnetFilterRule rule : rules) {
      if (rule.matches(client)) {
        return true;
      }
    }
    return false;
  }
}
