; `global name:` ignores namespaces; sublabels take the namespace of where they
; are defined; `#name:` keeps the current parent; nested namespaces; braces are
; only visual grouping.
; expect: EA 5C 08 80 00 EA EA EA EA EA EA 22 00 80 00 22 01 80 00 22 05 80 00
; expect: 22 06 80 00 22 07 80 00 22 08 80 00 22 09 80 00 22 0A 80 00 22 0B 80 00
org $008000
namespace nested on
global first: : nop
namespace outer
{
  first:
  jml second
  namespace mid
  {
    second: : nop
    namespace inner
    {
      third: : nop
      .sub : nop
      global second: : nop
      .sub : nop
      global #third: : nop
      ..deeper
    }
    namespace off
  }
  namespace off
}
namespace off
namespace nested off
jsl first
jsl outer_first
jsl outer_mid_second
jsl outer_mid_inner_third
jsl outer_mid_inner_third_sub
jsl second
jsl outer_mid_inner_second_sub
jsl third
jsl outer_mid_inner_second_sub_deeper
