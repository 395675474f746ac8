// Command hello is the program the image tests put into an image.
package main

import "fmt"

func main() { fmt.Println("hello from an EKO test image") }
