#!/usr/bin/perl
# Writes a small GeoIP2-City-format database for the usage tests and the benchmark:
#   make_geoip.pl OUT.mmdb
# Networks (IPv4 and IPv6): a few named cases, the traps of the region rules (a US record
# with subdivision HI or NM, CN without a subdivision, Hong Kong / Macao / Taiwan as
# countries, an old numeric ISO code) and one /16 per province for generated traffic:
# 60.N.0.0/16 and 2400:N::/32 for the N-th province (1-31, in GB/T 2260 order).
use strict;
use utf8;
use warnings;
use MaxMind::DB::Writer::Tree;

my $out = shift or die "usage: make_geoip.pl OUT.mmdb\n";
my %types = (
  country => 'map', iso_code => 'utf8_string', names => 'map', en => 'utf8_string', 'zh-CN' => 'utf8_string',
  subdivisions => ['array', 'map'], city => 'map',
);
my $tree = MaxMind::DB::Writer::Tree->new(
  ip_version => 6, record_size => 28, database_type => 'GeoIP2-City', languages => ['en', 'zh-CN'],
  description => {en => 'eductl test database'}, map_key_type_callback => sub { $types{ $_[0] } },
  remove_reserved_networks => 0,
);

sub rec {
  my ($country, $sub, $city_zh, $city_en) = @_;
  my %r = (country => {iso_code => $country, names => {en => $country}});
  $r{subdivisions} = [{iso_code => $sub, names => {en => $sub}}] if defined $sub;
  $r{city} = {names => {en => $city_en // $city_zh, 'zh-CN' => $city_zh}} if defined $city_zh;
  return \%r;
}

my @fixed = (
  ['1.0.1.0/24', rec('CN', 'GX', '南宁', 'Nanning')],      # 450000 / 450100
  ['1.0.2.0/24', rec('CN', 'SN', '西安', "Xi'an")],        # 610000 / 610100
  ['1.0.3.0/24', rec('CN', 'GS')],                         # 620000, no city
  ['1.0.4.0/24', rec('CN')],                               # CN without subdivision: unknown
  ['1.0.5.0/24', rec('US', 'HI', 'Honolulu')],             # not Hainan: unknown
  ['1.0.6.0/24', rec('US', 'NM', 'Santa Fe')],             # not Inner Mongolia: unknown
  ['1.0.7.0/24', rec('HK', undef, '香港', 'Hong Kong')],     # 810000
  ['1.0.8.0/24', rec('MO')],                               # 820000
  ['1.0.9.0/24', rec('TW')],                               # 710000
  ['1.0.10.0/24', rec('CN', 'CN-NM', '呼和浩特', 'Hohhot')],  # "CN-" form: 150000 / 150100
  ['1.0.11.0/24', rec('CN', '45')],                        # pre-2017 numeric form: 450000
  ['1.0.12.0/24', rec('CN', 'BJ', '北京', 'Beijing')],      # municipality: 110000 / 110000
  ['1.0.13.0/24', rec('DE', 'BE', 'Berlin')],              # foreign: unknown
  ['2001:db8:1::/48', rec('CN', 'GX', '桂林', 'Guilin')],    # IPv6: 450000 / 450300
  ['2001:db8:2::/48', rec('US', 'HI')],                    # IPv6 trap: unknown
);
$tree->insert_network($_->[0], $_->[1]) for @fixed;

my @provinces = qw(BJ TJ HE SX NM LN JL HL SH JS ZJ AH FJ JX SD HA HB HN GD GX HI CQ SC GZ YN XZ SN GS QH NX XJ);
for my $i (0 .. $#provinces) {
  my $n = $i + 1;
  $tree->insert_network("60.$n.0.0/16", rec('CN', $provinces[$i]));
  $tree->insert_network(sprintf('2400:%x::/32', $n), rec('CN', $provinces[$i]));
}

open my $fh, '>:raw', "$out.tmp" or die "cannot write $out.tmp: $!\n";
$tree->write_tree($fh);
close $fh or die "cannot write $out.tmp: $!\n";
rename "$out.tmp", $out or die "cannot rename to $out: $!\n";
