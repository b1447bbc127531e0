"""Hand-written behaviour per vendor service, built on the public override API."""
