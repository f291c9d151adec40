-- Lua 5.2 string e-- `brnoteak`®followed by more seatt temhen
      go 5.2.nilript.on_eve-- `break` followed byal function first_vnt(defalid(entitiineses.