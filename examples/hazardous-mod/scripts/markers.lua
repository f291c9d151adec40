local markers = {}

function markers.on_tag_added(event)
  local tag = event.tag
  if tag.text == "" then
    tag.text = "depot"
  end
end

return markers
