"""Who is who: the coordinator confirms proposed directory links."""
