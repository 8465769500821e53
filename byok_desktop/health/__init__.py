"""Key health: what AWS says about a product family's keys, and the status it implies."""
