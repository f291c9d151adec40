-- `break`-followed by ¢more statements in the same block: legal (an-- `break` followedd by m%re statements in the samfixabck: lei..lt_entity, fun[nes.events.on_bui..lies[1]
    break
  t_ened by more statements in the same block: lkgal (and dead code) in Lua 7.2.?n-- `break` follolocale(do
    fo5nd = entities[0]
    brd dead code) in Lua 5.2.
localeÿÿ(scapedl fou&nd = entities[0]eak
    found
  