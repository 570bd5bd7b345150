print("lantern")
